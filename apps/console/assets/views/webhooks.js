// Webhooks: endpoints (list, create with the secret shown once, detail, edit, enable/disable,
// rotate the secret, delete, send a test event) and each endpoint's delivery log with the request,
// the response and the timing of every attempt, and redelivery.

import {
  can,
  confirmDialog,
  copyButton,
  dateText,
  detailList,
  errorState,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';
import { deliveriesTable } from './deliveries.js';
import { actionForm, code, field, link, notice, section, text, toneBadge } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */
/** @typedef {Record<string, any>} Json */

const BASE = '/v1/webhook_endpoints';

/** `a, b` or `*` → the API's list. @param {string} value */
function eventList(value) {
  return value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

/** @param {Json} endpoint */
function endpointState(endpoint) {
  if (!endpoint.enabled)
    return toneBadge(
      endpoint.disabledReason ? `disabled: ${endpoint.disabledReason}` : 'disabled',
      'bad',
    );
  if (endpoint.failingSince) return toneBadge('failing', 'wait');
  return toneBadge('enabled', 'good');
}

/**
 * The secret, shown once, with a copy button and the warning that it will not be shown again.
 * @param {string} secret @param {string} what
 */
function secretOnce(secret, what) {
  return h('div', { className: 'secret-once', role: 'status' }, [
    h('p', {}, [
      h('strong', {}, [`${what}. `]),
      'Copy it now: it is shown only this once (viewers and later reads never see it).',
    ]),
    h('p', { className: 'secret', 'data-secret': 'true' }, [secret]),
    copyButton(secret, 'Copy secret'),
  ]);
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
function renderList(root, ctx) {
  const { api, environment, session } = ctx;
  root.append(
    heading(
      'Webhooks',
      `Endpoints that receive signed events in ${environment}; open one for its delivery log.`,
    ),
  );
  if (can(session, 'developer')) {
    const result = h('div', { className: 'create-result' });
    const form = actionForm({
      label: 'Create endpoint',
      children: [
        field({
          prefix: 'wh-new',
          name: 'url',
          label: 'URL',
          type: 'url',
          required: true,
          placeholder: 'https://example.com/keyra',
        }),
        field({
          prefix: 'wh-new',
          name: 'events',
          label: 'Events',
          value: '*',
          required: true,
          hint: 'Event types separated by commas, or * for all.',
        }),
        field({ prefix: 'wh-new', name: 'description', label: 'Description' }),
      ],
      async task(data) {
        const description = text(data, 'description');
        const created = await api.post(environment, BASE, {
          url: text(data, 'url'),
          events: eventList(text(data, 'events')),
          ...(description ? { description } : {}),
        });
        form.reset();
        result.replaceChildren(
          secretOnce(created.secret, `Endpoint ${created.id} created`),
          h('p', {}, [link(`#/webhooks/${created.id}`, 'Open the endpoint')]),
        );
        table.replaceWith((table = endpointsTable(ctx)));
      },
    });
    root.append(section('New endpoint', [form, result], { id: 'webhook-create' }));
  }
  let table = endpointsTable(ctx);
  root.append(table);
}

/** @param {ViewContext} ctx */
function endpointsTable({ api, environment, signal }) {
  return listTable({
    caption: 'Webhook endpoints',
    empty: 'No webhook endpoints in this environment yet.',
    signal,
    href: (row) => `#/webhooks/${encodeURIComponent(row.id)}`,
    columns: [
      { label: 'URL', cell: (row) => row.url },
      { label: 'Events', cell: (row) => row.events.join(', ') },
      { label: 'State', cell: endpointState },
      { label: 'Description', cell: (row) => row.description ?? '—' },
      { label: 'Created', cell: (row) => dateText(row.createdAt) },
    ],
    load: async () => ({ data: (await api.get(environment, BASE)).data, nextCursor: null }),
  });
}

/** @param {HTMLElement} root @param {ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  const { api, environment, session, navigate } = ctx;
  const path = `${BASE}/${encodeURIComponent(id)}`;
  root.append(heading(`Endpoint ${id}`), h('p', {}, [link('#/webhooks', '← All endpoints')]));
  const body = h('div', {}, [loadingState()]);
  root.append(body);
  /** @type {Json} */
  let endpoint;
  try {
    endpoint = await api.get(environment, path);
  } catch (error) {
    body.replaceChildren(errorState(error));
    return;
  }
  const facts = h('div');
  const outcome = h('div', { className: 'action-outcome' });
  /** @param {Json} next */
  const show = (next) => {
    endpoint = next;
    facts.replaceChildren(
      detailList([
        ['URL', code(next.url)],
        ['Events', next.events.join(', ')],
        ['State', endpointState(next)],
        ['Failing since', dateText(next.failingSince)],
        ['Description', next.description],
        ['Created', dateText(next.createdAt)],
        ['Updated', dateText(next.updatedAt)],
        ['Previous secret signs until', dateText(next.previousSecretExpiresAt)],
        ['Signing secret', 'Hidden: shown only when created or rotated.'],
      ]),
    );
  };
  show(endpoint);

  /**
   * @param {string} label @param {import('../consoleApi.js').ConsoleRole} role
   * @param {() => Promise<void>} task @param {string} [className]
   */
  const button = (label, role, task, className = 'secondary') => {
    const element = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', className }, [label])
    );
    element.addEventListener('click', async () => {
      element.disabled = true;
      outcome.replaceChildren();
      try {
        await task();
      } catch (error) {
        outcome.replaceChildren(errorState(error));
      } finally {
        element.disabled = false;
      }
    });
    return can(session, role) ? element : null;
  };

  const toggle = button(endpoint.enabled ? 'Disable' : 'Enable', 'developer', async () => {
    const enable = !endpoint.enabled;
    if (
      !enable &&
      !(await confirmDialog({
        title: 'Disable this endpoint?',
        message: 'No events are sent to it until it is enabled again.',
        confirm: 'Disable',
        danger: true,
      }))
    )
      return;
    show(await api.patch(environment, path, { enabled: enable }));
    outcome.replaceChildren(notice(enable ? 'Endpoint enabled.' : 'Endpoint disabled.'));
    if (toggle) toggle.textContent = endpoint.enabled ? 'Disable' : 'Enable';
  });
  const buttons = [
    button('Send test event', 'developer', async () => {
      const event = await api.post(environment, `${path}/test`);
      outcome.replaceChildren(
        notice(`Test event ${event.id} queued; its attempts appear below in a moment.`),
      );
      setTimeout(() => reloadDeliveries(), 1500);
    }),
    toggle,
    button('Rotate secret', 'admin', async () => {
      const ok = await confirmDialog({
        title: 'Rotate the signing secret?',
        message:
          'A new secret signs from now on; the old one keeps signing too until its overlap ends, so receivers can switch.',
        confirm: 'Rotate',
      });
      if (!ok) return;
      const rotated = await api.post(environment, `${path}/rotate_secret`);
      show(rotated);
      outcome.replaceChildren(secretOnce(rotated.secret, 'New signing secret'));
    }),
    button(
      'Delete',
      'admin',
      async () => {
        const ok = await confirmDialog({
          title: 'Delete this endpoint?',
          message: `${endpoint.url} stops receiving events and its pending deliveries are dropped. This cannot be undone.`,
          confirm: 'Delete',
          danger: true,
        });
        if (!ok) return;
        await api.delete(environment, path);
        navigate('#/webhooks');
      },
      'danger',
    ),
  ];
  const actions = h(
    'div',
    { className: 'actions' },
    buttons.filter((item) => item !== null),
  );

  const parts = [facts, actions, outcome];
  if (can(session, 'developer')) {
    parts.push(
      h('details', { className: 'edit' }, [
        h('summary', {}, ['Edit URL, events or description']),
        actionForm({
          label: 'Save changes',
          children: [
            field({
              prefix: 'wh-edit',
              name: 'url',
              label: 'URL',
              type: 'url',
              required: true,
              value: endpoint.url,
            }),
            field({
              prefix: 'wh-edit',
              name: 'events',
              label: 'Events',
              required: true,
              value: endpoint.events.join(', '),
              hint: 'Event types separated by commas, or * for all.',
            }),
            field({
              prefix: 'wh-edit',
              name: 'description',
              label: 'Description',
              value: endpoint.description ?? '',
            }),
          ],
          async task(data) {
            const description = text(data, 'description');
            show(
              await api.patch(environment, path, {
                url: text(data, 'url'),
                events: eventList(text(data, 'events')),
                description: description || null,
              }),
            );
            outcome.replaceChildren(notice('Changes saved.'));
          },
        }),
      ]),
    );
  }
  body.replaceChildren(section('Endpoint', parts, { id: 'webhook-endpoint' }));

  const deliveries = h('div');
  const reloadDeliveries = () => deliveries.replaceChildren(deliveriesTable(ctx, endpoint.id));
  const refresh = h('button', { type: 'button', className: 'secondary' }, ['Refresh']);
  refresh.addEventListener('click', reloadDeliveries);
  reloadDeliveries();
  body.append(
    section(
      'Deliveries',
      [
        h('p', { className: 'hint' }, [
          'Every attempt, newest first (the last 50): the request sent, the answer and how long it took.',
        ]),
        refresh,
        deliveries,
      ],
      { id: 'webhook-deliveries' },
    ),
  );
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'webhooks',
  title: 'Webhooks',
  async render(root, ctx) {
    if (ctx.params[0]) await renderDetail(root, ctx, ctx.params[0]);
    else renderList(root, ctx);
  },
});
