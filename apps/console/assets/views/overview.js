// Overview of the environment today: approvals by method (from usage) and challenges created
// today by outcome, pending challenges, webhook endpoints' health, and the free proofs left.

import { emptyState, errorState, h, heading, loadingState } from './common.js';

const OUTCOMES = ['approved', 'rejected', 'canceled', 'expired', 'pending'];
/** At most this many of today's challenges are counted (5 pages of 100). */
const MAX_PAGES = 5;

/** @param {string} label @param {string} value @param {string} [note] @param {string} [id] */
function stat(label, value, note, id) {
  return h('div', { className: 'stat', ...(id ? { id } : {}) }, [
    h('p', { className: 'stat-label' }, [label]),
    h('p', { className: 'stat-value' }, [value]),
    ...(note ? [h('p', { className: 'hint' }, [note])] : []),
  ]);
}

/**
 * A card filled by `build()`, with its own loading and error state.
 * @param {string} title @param {string} id @param {() => Promise<Node[]>} build
 */
function card(title, id, build) {
  const body = h('div', {}, [loadingState()]);
  const box = h('section', { className: 'card', id, 'aria-label': title }, [
    h('h2', {}, [title]),
    body,
  ]);
  const done = build()
    .then((nodes) => body.replaceChildren(...nodes))
    .catch((error) => body.replaceChildren(errorState(error)));
  return { box, done };
}

/** @param {import('../shell.js').ViewContext} ctx @param {Record<string, string | number | undefined>} query */
async function countChallenges(ctx, query) {
  const counts = new Map();
  let cursor;
  let pages = 0;
  let total = 0;
  do {
    const page = await ctx.api.get(ctx.environment, '/v1/challenges', {
      ...query,
      limit: 100,
      cursor,
    });
    for (const challenge of page.data)
      counts.set(challenge.status, (counts.get(challenge.status) ?? 0) + 1);
    total += page.data.length;
    cursor = page.nextCursor ?? undefined;
    pages += 1;
  } while (cursor && pages < MAX_PAGES);
  return { counts, total, more: Boolean(cursor) };
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'overview',
  title: 'Overview',
  async render(root, ctx) {
    const today = new Date().toISOString().slice(0, 10);
    root.append(
      heading(
        'Overview',
        `${ctx.environment === 'production' ? 'Production' : 'Sandbox'} today (${today}, UTC).`,
      ),
    );

    const approvals = card('Approvals today by method', 'overview-methods', async () => {
      const usage = await ctx.api.get(ctx.environment, '/v1/usage', { from: today, to: today });
      const by = usage.totals.byMethod;
      return [
        h('div', { className: 'stats' }, [
          stat(
            'All methods',
            String(usage.totals.verifications),
            undefined,
            'overview-verifications',
          ),
          stat('KEYRA ONE', String(by.device)),
          stat('Passkey', String(by.passkey)),
          stat('Voice', String(by.voice)),
        ]),
      ];
    });
    const outcomes = card('Challenges created today by outcome', 'overview-outcomes', async () => {
      const { counts, total, more } = await countChallenges(ctx, {
        createdFrom: `${today}T00:00:00Z`,
      });
      if (total === 0) return [emptyState('No challenge created today.')];
      return [
        h(
          'div',
          { className: 'stats' },
          OUTCOMES.map((status) => stat(status, String(counts.get(status) ?? 0))),
        ),
        ...(more
          ? [h('p', { className: 'hint' }, [`Counted the newest ${total}; there are more.`])]
          : []),
      ];
    });
    const pending = card('Pending challenges', 'overview-pending', async () => {
      const { total, more } = await countChallenges(ctx, { status: 'pending' });
      return [
        h('p', { className: 'stat-value' }, [`${total}${more ? '+' : ''}`]),
        h('a', { href: '#/challenges?status=pending' }, ['See the pending challenges']),
      ];
    });
    const webhooks = card('Webhook health', 'overview-webhooks', async () => {
      const { data } = await ctx.api.get(ctx.environment, '/v1/webhook_endpoints');
      if (data.length === 0) return [emptyState('No webhook endpoint in this environment.')];
      const failing = data.filter((/** @type {any} */ e) => e.failingSince);
      const disabled = data.filter((/** @type {any} */ e) => !e.enabled);
      return [
        h('div', { className: 'stats' }, [
          stat('Endpoints', String(data.length)),
          stat(
            'Failing',
            String(failing.length),
            failing.length ? 'Deliveries to them are failing.' : 'All deliveries succeed.',
          ),
          stat('Disabled', String(disabled.length)),
        ]),
      ];
    });
    const credits = card('Free proofs left', 'overview-credits', async () => {
      const usage = await ctx.api.get(ctx.environment, '/v1/usage', { from: today, to: today });
      return [
        h('p', { className: 'stat-value', id: 'overview-credits-left' }, [
          String(usage.credits.remaining),
        ]),
        h('p', { className: 'hint' }, [
          `${usage.credits.used} of ${usage.credits.granted} used (both environments, all time); overage ${usage.overage}.`,
        ]),
      ];
    });
    const cards = [approvals, outcomes, pending, webhooks, credits];
    root.append(
      h(
        'div',
        { className: 'overview-grid' },
        cards.map((c) => c.box),
      ),
    );
    await Promise.all(cards.map((c) => c.done));
  },
});
