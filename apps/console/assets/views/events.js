// Events: what webhooks deliver, newest first, filtered by type and creation day, and each
// event's detail: its body as delivered and every attempt to deliver it, with redelivery.

import {
  can,
  dateText,
  detailList,
  errorState,
  filterForm,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';
import { code, dayRange, jsonBlock, link, notice, section } from './commonB.js';
import { deliveriesTable } from './deliveries.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */

/** @param {HTMLElement} root @param {ViewContext} ctx */
function renderList(root, ctx) {
  const { api, environment, query, navigate, signal } = ctx;
  root.append(
    heading('Events', `What happened in ${environment}, as webhooks deliver it, newest first.`),
    filterForm({
      base: '#/events',
      query,
      navigate,
      fields: [
        { name: 'type', label: 'Type', placeholder: 'challenge.approved' },
        { name: 'from', label: 'From (UTC day)', type: 'date' },
        { name: 'to', label: 'To (UTC day)', type: 'date' },
      ],
    }),
  );
  const type = query.get('type') ?? undefined;
  root.append(
    listTable({
      caption: 'Events',
      empty: query.size > 0 ? 'No event matches these filters.' : 'No events yet.',
      signal,
      href: (row) => `#/events/${encodeURIComponent(row.id)}`,
      columns: [
        { label: 'Event', cell: (row) => row.id },
        { label: 'Type', cell: (row) => code(row.type) },
        { label: 'Created', cell: (row) => dateText(row.createdAt) },
        { label: 'About', cell: (row) => aboutText(row.data) },
      ],
      load: async (cursor) => {
        const page = await api.get(environment, '/v1/events', {
          limit: 20,
          type,
          ...dayRange(query),
          cursor,
        });
        return { data: page.data, nextCursor: page.nextCursor };
      },
    }),
  );
}

/** The ids an event is about, for the list (`challengeId chl_…`). @param {Record<string, unknown>} data */
function aboutText(data) {
  const ids = Object.entries(data)
    .filter(([name, value]) => name.endsWith('Id') && typeof value === 'string')
    .slice(0, 2)
    .map(([name, value]) => `${name} ${value}`);
  return ids.join(' · ') || '—';
}

/** @param {HTMLElement} root @param {ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  const { api, environment, session } = ctx;
  root.append(heading(`Event ${id}`), h('p', {}, [link('#/events', '← All events')]));
  const body = h('div', {}, [loadingState()]);
  root.append(body);
  let event;
  try {
    event = await api.get(environment, `/v1/events/${encodeURIComponent(id)}`);
  } catch (error) {
    body.replaceChildren(errorState(error));
    return;
  }
  const challengeId = typeof event.data.challengeId === 'string' ? event.data.challengeId : null;
  body.replaceChildren(
    section(
      'Event',
      [
        detailList([
          ['Type', code(event.type)],
          ['Created', dateText(event.createdAt)],
          ['Challenge', challengeId ? link(`#/challenges/${challengeId}`, challengeId) : null],
        ]),
        h('h3', {}, ['Body, exactly as delivered']),
        jsonBlock(event, 'Event body'),
      ],
      { id: 'event-detail' },
    ),
  );
  const deliveries = h('div', {}, [deliveriesTable(ctx, event.id, { byEvent: true })]);
  const parts = [
    h('p', { className: 'hint' }, ['Every attempt to deliver this event, to every endpoint.']),
  ];
  if (can(session, 'admin')) {
    const outcome = h('div');
    const again = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', className: 'secondary' }, ['Redeliver to every endpoint'])
    );
    again.addEventListener('click', async () => {
      again.disabled = true;
      outcome.replaceChildren();
      try {
        const result = await api.post(
          environment,
          `/v1/events/${encodeURIComponent(event.id)}/redeliver`,
          {},
        );
        outcome.replaceChildren(notice(`Queued ${result.deliveries} delivery(ies).`));
      } catch (error) {
        outcome.replaceChildren(errorState(error));
      } finally {
        again.disabled = false;
      }
    });
    parts.push(h('div', { className: 'actions' }, [again]), outcome);
  }
  parts.push(deliveries);
  body.append(section('Deliveries', parts, { id: 'event-deliveries' }));
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'events',
  title: 'Events',
  async render(root, ctx) {
    if (ctx.params[0]) await renderDetail(root, ctx, ctx.params[0]);
    else renderList(root, ctx);
  },
});
