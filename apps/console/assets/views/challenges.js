// Challenges of the environment, newest first, filtered by status, action, user and creation
// date (the filters live in the URL); `#/challenges/<id>` is one challenge (challengeDetail.js).

import { renderChallenge } from './challengeDetail.js';
import { badge, dateText, filterForm, h, heading, listTable } from './common.js';

const STATUSES = ['pending', 'approved', 'rejected', 'canceled', 'expired'];

/** A `YYYY-MM-DD` filter as the API's bound: the start of that UTC day. @param {string | null} day */
const dayStart = (day) => (day ? `${day}T00:00:00Z` : undefined);

/** The day after `day`, so "to" includes the whole day. @param {string | null} day */
function dayAfter(day) {
  if (!day) return undefined;
  const next = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(next.getTime())) return day;
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().replace('.000Z', 'Z');
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'challenges',
  title: 'Challenges',
  async render(root, ctx) {
    if (ctx.params[0]) return renderChallenge(root, ctx, ctx.params[0]);
    const { query } = ctx;
    root.append(
      heading(
        'Challenges',
        `What your app asked humans to approve in ${ctx.environment}, newest first.`,
      ),
      filterForm({
        fields: [
          {
            name: 'status',
            label: 'Status',
            type: 'select',
            options: [
              ['', 'Any'],
              ...STATUSES.map((status) => /** @type {[string, string]} */ ([status, status])),
            ],
          },
          { name: 'action', label: 'Action', placeholder: 'deploy.production' },
          { name: 'userId', label: 'User', placeholder: 'usr_…' },
          { name: 'from', label: 'Created from', type: 'date' },
          { name: 'to', label: 'Created to', type: 'date' },
        ],
        query,
        base: '#/challenges',
        navigate: ctx.navigate,
      }),
      listTable({
        caption: `Challenges in ${ctx.environment}`,
        columns: [
          { label: 'Challenge', cell: (challenge) => challenge.id },
          { label: 'Action', cell: (challenge) => h('code', {}, [challenge.action]) },
          {
            label: 'User',
            cell: (challenge) => challenge.userId ?? (challenge.approvers ?? []).join(', '),
          },
          { label: 'Status', cell: (challenge) => badge(challenge.status) },
          { label: 'Created', cell: (challenge) => dateText(challenge.createdAt) },
        ],
        load: async (cursor) => {
          const page = await ctx.api.get(ctx.environment, '/v1/challenges', {
            status: query.get('status'),
            action: query.get('action'),
            userId: query.get('userId'),
            createdFrom: dayStart(query.get('from')),
            createdTo: dayAfter(query.get('to')),
            limit: 20,
            cursor,
          });
          return { data: page.data, nextCursor: page.nextCursor };
        },
        empty: query.toString()
          ? 'No challenge matches these filters.'
          : `No challenges in ${ctx.environment} yet: your backend creates them with POST /v1/challenges.`,
        href: (challenge) => `#/challenges/${challenge.id}`,
        signal: ctx.signal,
      }),
    );
  },
});
