// API keys of the chosen environment: admins see prefixes and states; owners create a key (its
// secret shown once, with a copy button), rotate one with a grace period, and revoke one.
// `#/keys/<id>` is one key.

import {
  act,
  badge,
  can,
  confirmThenAct,
  copyButton,
  dateText,
  detailList,
  emptyState,
  errorState,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';

const GRACE = /** @type {const} */ ([
  ['0', 'None: the old key stops now'],
  ['3600', '1 hour'],
  ['86400', '24 hours'],
  ['604800', '7 days'],
]);

/**
 * The secret of a key just issued, with the warning that it is shown once.
 * @param {import('../consoleApi.js').IssuedKey} issued @param {string} what
 */
function secretPanel(issued, what) {
  return h('div', { className: 'card', id: 'new-secret', role: 'status' }, [
    h('h2', {}, [what]),
    h('p', {}, [
      'Copy it now: this is the only time it is shown. KEYRA keeps only its hash. Key ',
      h('code', {}, [issued.key.id]),
      '.',
    ]),
    h('p', { className: 'secret', id: 'secret-value' }, [issued.secret]),
    copyButton(issued.secret, 'Copy key'),
  ]);
}

/** A key's facts. @param {import('../consoleApi.js').ConsoleApiKey} key */
function keyFacts(key) {
  return detailList([
    ['Id', h('code', {}, [key.id])],
    ['Prefix', h('code', {}, [key.prefix])],
    ['Environment', key.environment],
    ['State', badge(key.state)],
    ['Audience (aud of its proofs)', key.audience],
    ['Created', dateText(key.createdAt)],
    ['Last used (to the minute)', dateText(key.lastUsedAt)],
    ['Stops working', dateText(key.expiresAt)],
    ['Revoked', dateText(key.revokedAt)],
    [
      'Replaced by',
      key.replacedBy ? h('a', { href: `#/keys/${key.replacedBy}` }, [key.replacedBy]) : null,
    ],
  ]);
}

/** @param {HTMLElement} root @param {import('../shell.js').ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  root.append(heading('API key'), h('p', {}, [h('a', { href: '#/keys' }, ['← All keys'])]));
  const body = h('div', {}, [loadingState()]);
  root.append(body);
  let key;
  try {
    key = (await ctx.api.listKeys(ctx.environment)).data.find((k) => k.id === id);
  } catch (error) {
    body.replaceChildren(errorState(error));
    return;
  }
  if (ctx.signal.aborted) return;
  if (!key) {
    body.replaceChildren(emptyState(`No key ${id} in ${ctx.environment}.`));
    return;
  }
  let facts = keyFacts(key);
  body.replaceChildren(facts);
  if (!can(ctx.session, 'owner') || key.state === 'revoked' || key.state === 'expired') return;
  const current = key;
  const errors = h('div', { 'aria-live': 'polite' });
  const result = h('div');
  const grace = /** @type {HTMLSelectElement} */ (
    h(
      'select',
      { id: 'grace', name: 'grace' },
      GRACE.map(([value, text]) => h('option', { value }, [text])),
    )
  );
  grace.value = '86400';
  const rotate = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', id: 'rotate-key' }, ['Rotate'])
  );
  const revoke = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'danger', id: 'revoke-key' }, ['Revoke'])
  );
  if (current.state === 'rotating') rotate.hidden = true;
  rotate.addEventListener('click', () =>
    act(rotate, errors, async () => {
      const issued = await ctx.api.rotateKey(current.id, Number(grace.value));
      result.replaceChildren(secretPanel(issued, 'The replacement key'));
      if (issued.previous) facts.replaceWith((facts = keyFacts(issued.previous)));
      rotate.hidden = true;
    }),
  );
  confirmThenAct(
    revoke,
    errors,
    {
      title: `Revoke ${current.prefix}?`,
      message: 'Every request with this key fails from now on. This cannot be undone.',
      confirm: 'Revoke',
    },
    async () => {
      await ctx.api.revokeKey(current.id);
      ctx.navigate(`#/keys/${current.id}`);
    },
  );
  body.append(
    h('section', { className: 'card' }, [
      h('h2', {}, ['Rotate or revoke']),
      h('p', { className: 'hint' }, [
        'Rotating issues a replacement; the old key keeps working for the grace period, so deployed services can switch without an outage.',
      ]),
      h('div', { className: 'inline-form' }, [
        h('div', { className: 'field' }, [
          h('label', { htmlFor: 'grace' }, ['Grace period']),
          grace,
        ]),
        h('div', { className: 'actions' }, [rotate, revoke]),
      ]),
      errors,
      result,
    ]),
  );
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'keys',
  title: 'API keys',
  async render(root, ctx) {
    if (ctx.params[0]) return renderDetail(root, ctx, ctx.params[0]);
    root.append(
      heading(
        'API keys',
        `Secret keys of ${ctx.environment} (${ctx.environment === 'production' ? 'sk_live_' : 'sk_test_'}…). Your backend sends one with every API call; browsers never hold one.`,
      ),
    );
    if (!can(ctx.session, 'admin')) {
      root.append(emptyState('Only admins and owners see API keys; only owners manage them.'));
      return;
    }
    const result = h('div', { 'aria-live': 'polite' });
    if (can(ctx.session, 'owner')) {
      const create = /** @type {HTMLButtonElement} */ (
        h('button', { type: 'button', id: 'create-key' }, [`Create a ${ctx.environment} key`])
      );
      create.addEventListener('click', () =>
        act(create, result, async () => {
          const issued = await ctx.api.createKey(ctx.environment);
          result.replaceChildren(secretPanel(issued, 'Your new key'));
          list.replaceWith((list = table()));
        }),
      );
      root.append(h('p', {}, [create]), result);
    }
    const table = () =>
      listTable({
        caption: `API keys in ${ctx.environment}`,
        columns: [
          { label: 'Key', cell: (key) => key.prefix },
          { label: 'State', cell: (key) => badge(key.state) },
          { label: 'Created', cell: (key) => dateText(key.createdAt) },
          { label: 'Last used', cell: (key) => dateText(key.lastUsedAt) },
          { label: 'Stops working', cell: (key) => dateText(key.expiresAt ?? key.revokedAt) },
        ],
        load: async () => ({
          data: (await ctx.api.listKeys(ctx.environment)).data,
          nextCursor: null,
        }),
        empty: `No ${ctx.environment} keys yet.`,
        href: (key) => `#/keys/${key.id}`,
        signal: ctx.signal,
      });
    let list = table();
    root.append(list);
  },
});
