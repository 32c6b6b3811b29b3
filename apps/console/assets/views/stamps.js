// Stamps: the public receipts of verifications. The list shows the stamps of this environment's
// approved challenges (newest first); the lookup opens any stamp by id (a voice stamp too); the
// detail shows it and checks it in the browser with @keyra/sdk (signature against the JWKS, its
// claims, the attester), as the playground does.

import { Keyra, KeyraError } from '../../sdk/index.js';
import { ConsoleApiError } from '../consoleApi.js';
import { renderStamp } from '../stamp.js';
import { dateText, errorState, h, heading, listTable, loadingState } from './common.js';
import { code, link, section } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */

/** The public client (no key: stamps are public) and the published stamp configuration. */
const keyra = new Keyra({
  baseUrl: location.origin,
  apiKey: undefined,
  maxRetries: 0,
  // Bound, same origin, without the console cookie: stamps and the JWKS are public.
  fetch: (input, init = {}) =>
    fetch(input, { ...init, credentials: 'omit', cache: 'no-store', redirect: 'error' }),
});
/** @type {Promise<Record<string, any> | null> | null} */
let published = null;

/** @param {HTMLElement} root @param {ViewContext} ctx */
function renderList(root, ctx) {
  const { api, environment, navigate, signal } = ctx;
  const form = /** @type {HTMLFormElement} */ (
    h('form', { className: 'inline-form', role: 'search', 'aria-label': 'Look up a stamp' }, [
      h('div', { className: 'field' }, [
        h('label', { htmlFor: 'stamp-id' }, ['Stamp id']),
        h('input', { id: 'stamp-id', name: 'id', required: true, placeholder: 'stp_…' }),
      ]),
      h('div', { className: 'actions' }, [h('button', { type: 'submit' }, ['Look up'])]),
    ])
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = String(new FormData(form).get('id') ?? '').trim();
    if (id) navigate(`#/stamps/${encodeURIComponent(id)}`);
  });
  root.append(
    heading(
      'Stamps',
      'Public receipts of verifications: anyone can fetch and check one by its id, without a key.',
    ),
    section('Look up any stamp', [form], { id: 'stamp-lookup' }),
    section(
      'Stamps of approved challenges',
      [
        listTable({
          caption: `Stamps of approved challenges in ${environment}`,
          empty: 'No approved challenge with a stamp in this environment yet.',
          signal,
          href: (row) => `#/stamps/${encodeURIComponent(row.stampId)}`,
          columns: [
            { label: 'Stamp', cell: (row) => row.stampId },
            { label: 'Challenge', cell: (row) => link(`#/challenges/${row.id}`, row.id) },
            { label: 'Action', cell: (row) => code(row.action) },
            { label: 'Approved', cell: (row) => dateText(row.decidedAt) },
          ],
          load: async (cursor) => {
            const page = await api.get(environment, '/v1/challenges', {
              status: 'approved',
              limit: 50,
              cursor,
            });
            return {
              data: page.data.filter((/** @type {any} */ row) => row.stampId),
              nextCursor: page.nextCursor,
            };
          },
        }),
      ],
      { id: 'stamp-list' },
    ),
  );
}

/** @param {HTMLElement} root @param {string} id */
async function renderDetail(root, id) {
  root.append(heading(`Stamp ${id}`), h('p', {}, [link('#/stamps', '← Stamps')]));
  const box = h('div', { className: 'stamp' });
  const status = h('div', {}, [loadingState('Fetching and checking the stamp…')]);
  root.append(section('Stamp and its checks', [status, box], { id: 'stamp-detail' }));
  try {
    const stamp = await keyra.stamps.retrieve(id);
    published ??= keyra.stamps.configuration().catch(() => null);
    const passed = await renderStamp(box, stamp, { keyra, published: await published });
    status.replaceChildren(
      h('p', { className: passed ? 'verdict verdict-ok' : 'verdict verdict-bad', role: 'status' }, [
        passed ? 'Every check passed.' : 'A check failed: see below.',
      ]),
    );
  } catch (error) {
    // The SDK's errors carry the server's status and code: show them as the console does.
    status.replaceChildren(
      errorState(
        error instanceof KeyraError && error.status !== undefined
          ? new ConsoleApiError(error.status, error.code, error.message)
          : error,
      ),
    );
  }
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'stamps',
  title: 'Stamps',
  async render(root, ctx) {
    if (ctx.params[0]) await renderDetail(root, ctx.params[0]);
    else renderList(root, ctx);
  },
});
