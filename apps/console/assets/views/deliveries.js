// The delivery log of webhook attempts, shared by an endpoint's page and an event's page: one row
// per HTTP attempt (time, the event or the endpoint, attempt number, status, latency), the request
// and response of an attempt in a panel under the table, and redelivery for admins.

import {
  can,
  dateText,
  detailList,
  emptyState,
  errorState,
  h,
  listTable,
  loadingState,
} from './common.js';
import { attemptBadge, code, jsonBlock, link } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */
/** @typedef {Record<string, any>} Json */

const ENDPOINTS = '/v1/webhook_endpoints';

/**
 * The delivery log of an endpoint (or of an event, with `byEvent`): one row per attempt, with
 * the request and response behind a disclosure, and _Redeliver_ for admins.
 * @param {ViewContext} ctx @param {string} id @param {{ byEvent?: boolean }} [options]
 */
export function deliveriesTable(ctx, id, options = {}) {
  const { api, environment, session, signal } = ctx;
  const path = options.byEvent
    ? `/v1/events/${encodeURIComponent(id)}/deliveries`
    : `${ENDPOINTS}/${encodeURIComponent(id)}/deliveries`;
  const panel = h('div', { className: 'attempt-panel', 'aria-live': 'polite' });
  const table = listTable({
    caption: 'Delivery attempts',
    empty: 'No delivery attempts yet.',
    signal,
    columns: [
      { label: 'Started', cell: (row) => dateText(row.startedAt) },
      options.byEvent
        ? { label: 'Endpoint', cell: (row) => link(`#/webhooks/${row.endpointId}`, row.endpointId) }
        : { label: 'Event', cell: (row) => link(`#/events/${row.eventId}`, row.eventId) },
      { label: 'Attempt', cell: (row) => String(row.attempt) },
      { label: 'Answer', cell: attemptBadge },
      { label: 'Time', cell: (row) => `${row.latencyMs} ms` },
      { label: 'Request and response', cell: (row) => attemptButton(ctx, row, panel) },
      {
        label: 'Redeliver',
        cell: (row) => (can(session, 'admin') ? redeliverButton(ctx, row) : '—'),
      },
    ],
    load: async () => ({
      data: (await api.get(environment, path, { limit: 50 })).data,
      nextCursor: null,
    }),
  });
  return h('div', {}, [table, panel]);
}

/**
 * _Show_ for one attempt: fills the panel under the table with the request sent (method, URL,
 * headers that matter, the event body) and the answer (status, time, body excerpt).
 * @param {ViewContext} ctx @param {Json} attempt @param {HTMLElement} panel
 */
function attemptButton({ api, environment }, attempt, panel) {
  const button = h('button', { type: 'button', className: 'secondary' }, [
    `Show attempt ${attempt.attempt}`,
  ]);
  button.addEventListener('click', async () => {
    panel.replaceChildren(loadingState());
    try {
      const [event, endpoint] = await Promise.all([
        api.get(environment, `/v1/events/${encodeURIComponent(attempt.eventId)}`),
        api
          .get(environment, `${ENDPOINTS}/${encodeURIComponent(attempt.endpointId)}`)
          .catch(() => null),
      ]);
      const title = h('h3', { tabIndex: -1 }, [`Attempt ${attempt.attempt} of ${attempt.eventId}`]);
      panel.replaceChildren(
        title,
        h('div', { className: 'columns' }, [
          h('div', {}, [
            h('h4', {}, ['Request']),
            detailList([
              ['Method and URL', code(`POST ${endpoint?.url ?? '(endpoint deleted)'}`)],
              ['webhook-id', code(event.id)],
              [
                'Signatures',
                'keyra-signature and webhook-signature, computed for each attempt (not kept in the log)',
              ],
            ]),
            jsonBlock(event, `Body of attempt ${attempt.attempt}`),
          ]),
          h('div', {}, [
            h('h4', {}, ['Response']),
            detailList([
              ['Status', attemptBadge(attempt)],
              ['Time', `${attempt.latencyMs} ms`],
              ['Started', new Date(attempt.startedAt).toISOString()],
              ['Error', attempt.error],
            ]),
            attempt.responseExcerpt
              ? jsonBlock(attempt.responseExcerpt, `Response body of attempt ${attempt.attempt}`)
              : emptyState('No response body.'),
          ]),
        ]),
      );
      title.focus();
    } catch (error) {
      panel.replaceChildren(errorState(error));
    }
  });
  return button;
}

/** @param {ViewContext} ctx @param {Json} attempt */
function redeliverButton({ api, environment }, attempt) {
  const out = h('span', { role: 'status' });
  const button = /** @type {HTMLButtonElement} */ (
    h(
      'button',
      {
        type: 'button',
        className: 'secondary',
        'aria-label': `Redeliver ${attempt.eventId} to ${attempt.endpointId}`,
      },
      ['Redeliver'],
    )
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const result = await api.post(
        environment,
        `/v1/events/${encodeURIComponent(attempt.eventId)}/redeliver`,
        {
          endpointId: attempt.endpointId,
        },
      );
      out.replaceChildren(` Queued (${result.deliveries}).`);
    } catch (error) {
      out.replaceChildren(errorState(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('span', {}, [button, out]);
}
