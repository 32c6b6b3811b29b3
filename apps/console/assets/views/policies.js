// Policies: the approval rules of this environment (tried lowest priority first; the first that
// matches applies), each with its versions; admins create, change (a new version) and delete
// them as JSON; anyone may dry-run a would-be challenge; and the approver groups rules name.

import {
  can,
  confirmDialog,
  dateText,
  detailList,
  errorState,
  h,
  heading,
  listTable,
  loadingState,
} from './common.js';
import { actionForm, code, field, jsonBlock, link, notice, section, text } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */
/** @typedef {Record<string, any>} Json */

const EXAMPLE = {
  name: 'Dual control on big EUR wires',
  priority: 10,
  match: { action: 'wire.*', conditions: ['payload.amount >= 10000'] },
  require: { quorum: 2 },
};

/** @param {Json} condition */
function conditionText(condition) {
  const value = condition.value === undefined ? '' : ` ${JSON.stringify(condition.value)}`;
  return `${condition.field} ${condition.op}${value}`;
}

/** `wire.* if payload.amount >= 10000` @param {Json} policy */
function matchText(policy) {
  const conditions = policy.match.conditions.map(conditionText);
  return conditions.length
    ? `${policy.match.action} if ${conditions.join(' and ')}`
    : policy.match.action;
}

/** Parses the JSON of a textarea, naming the field when it is not JSON. @param {string} value */
function parseJson(value) {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(
      `The policy is not valid JSON: ${error instanceof Error ? error.message : error}`,
    );
  }
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
function renderList(root, ctx) {
  const { api, environment, session, signal } = ctx;
  root.append(
    heading(
      'Policies',
      `Approval rules in ${environment}: tried lowest priority first, the first that matches a challenge applies alone; none matching allows it.`,
    ),
  );
  const table = () =>
    listTable({
      caption: 'Policies',
      empty: 'No policy in this environment: every challenge is allowed as asked.',
      signal,
      href: (row) => `#/policies/${encodeURIComponent(row.id)}`,
      columns: [
        { label: 'Name', cell: (row) => row.name },
        { label: 'Priority', cell: (row) => String(row.priority) },
        { label: 'Matches', cell: (row) => code(matchText(row)) },
        { label: 'Requires', cell: (row) => code(JSON.stringify(row.require)) },
        { label: 'Version', cell: (row) => String(row.version) },
        { label: 'Changed', cell: (row) => dateText(row.updatedAt) },
      ],
      load: async (cursor) => {
        const page = await api.get(environment, '/v1/policies', { limit: 20, cursor });
        return { data: page.data, nextCursor: page.nextCursor };
      },
    });
  const holder = h('div', {}, [table()]);
  if (can(session, 'admin')) {
    const created = h('div');
    const form = actionForm({
      label: 'Create policy',
      className: 'stacked-form',
      children: [
        field({
          prefix: 'policy-new',
          name: 'policy',
          label: 'Policy (JSON)',
          textarea: true,
          rows: 10,
          required: true,
          value: JSON.stringify(EXAMPLE, null, 2),
          hint: 'name, priority, match {action, conditions}, require {methods, quorum, groups, maxExpiresIn, windows, stamp}.',
        }),
      ],
      async task(data) {
        const policy = await api.post(environment, '/v1/policies', parseJson(text(data, 'policy')));
        created.replaceChildren(notice(`Policy ${policy.id} created (version ${policy.version}).`));
        holder.replaceChildren(table());
      },
    });
    root.append(section('New policy', [form, created], { id: 'policy-create' }));
  }
  root.append(holder, dryRunSection(ctx), groupsSection(ctx));
}

/** The dry run: which rule a would-be challenge falls under, and why. @param {ViewContext} ctx */
function dryRunSection({ api, environment }) {
  const out = h('div', { id: 'policy-evaluation' });
  const form = actionForm({
    label: 'Evaluate',
    className: 'stacked-form',
    children: [
      field({
        prefix: 'policy-try',
        name: 'challenge',
        label: 'A would-be challenge (JSON)',
        textarea: true,
        rows: 10,
        required: true,
        value: JSON.stringify(
          { action: 'wire.send', payload: { amount: 25000, currency: 'EUR' } },
          null,
          2,
        ),
      }),
    ],
    async task(data) {
      const result = await api.post(
        environment,
        '/v1/policies/evaluate',
        parseJson(text(data, 'challenge')),
      );
      out.replaceChildren(
        detailList([
          [
            'Applies',
            result.policy
              ? link(
                  `#/policies/${result.policy.id}`,
                  `${result.policy.name} (v${result.policy.version})`,
                )
              : 'No policy: allowed as asked',
          ],
          ['Requires', result.requirement ? code(JSON.stringify(result.requirement)) : null],
          ['Refused', result.refusal ? `${result.refusal.code}: ${result.refusal.message}` : 'No'],
        ]),
        h(
          'ol',
          {},
          result.reasons.map((/** @type {string} */ reason) => h('li', {}, [reason])),
        ),
      );
    },
  });
  return section('Dry run', [h('p', { className: 'hint' }, ['Writes nothing.']), form, out], {
    id: 'policy-dry-run',
  });
}

/** @param {ViewContext} ctx */
function groupsSection({ api, environment, signal }) {
  return section(
    'Approver groups',
    [
      listTable({
        caption: 'Approver groups',
        empty: 'No approver group.',
        signal,
        columns: [
          { label: 'Group', cell: (row) => row.name },
          { label: 'Members', cell: (row) => row.members.join(', ') },
          { label: 'Changed', cell: (row) => dateText(row.updatedAt) },
        ],
        load: async () => ({
          data: (await api.get(environment, '/v1/approver_groups')).data,
          nextCursor: null,
        }),
      }),
    ],
    { id: 'policy-groups' },
  );
}

/** @param {HTMLElement} root @param {ViewContext} ctx @param {string} id */
async function renderDetail(root, ctx, id) {
  const { api, environment, session, query, navigate } = ctx;
  const path = `/v1/policies/${encodeURIComponent(id)}`;
  root.append(heading(`Policy ${id}`), h('p', {}, [link('#/policies', '← All policies')]));
  const body = h('div', {}, [loadingState()]);
  root.append(body);
  /** @type {Json} */
  let current;
  /** @type {Json} */
  let shown;
  try {
    current = await api.get(environment, path);
    const version = Number(query.get('version'));
    shown =
      version && version !== current.version
        ? await api.get(environment, path, { version })
        : current;
  } catch (error) {
    body.replaceChildren(errorState(error));
    return;
  }
  const versions = h('p', {}, ['Versions: ']);
  for (let version = current.version; version >= 1; version -= 1) {
    const label = version === current.version ? `v${version} (current)` : `v${version}`;
    versions.append(
      version === shown.version
        ? h('strong', { 'aria-current': 'page' }, [label])
        : link(`#/policies/${id}?version=${version}`, label),
      ' ',
    );
  }
  const parts = [
    versions,
    detailList([
      ['Name', shown.name],
      ['Description', shown.description],
      ['Priority', String(shown.priority)],
      ['Matches', code(matchText(shown))],
      ['Version written', dateText(shown.updatedAt)],
      ['Created', dateText(shown.createdAt)],
      ['Deleted', dateText(shown.deletedAt)],
    ]),
    jsonBlock(shown, `Policy ${id} version ${shown.version}`),
  ];
  if (can(session, 'admin') && current.deletedAt === null) {
    const outcome = h('div');
    const {
      id: _id,
      version: _v,
      createdAt: _c,
      updatedAt: _u,
      deletedAt: _d,
      ...editable
    } = current;
    parts.push(
      actionForm({
        label: 'Save as a new version',
        className: 'stacked-form',
        children: [
          field({
            prefix: 'policy-edit',
            name: 'policy',
            label: 'Change (JSON)',
            textarea: true,
            rows: 10,
            required: true,
            value: JSON.stringify(editable, null, 2),
          }),
        ],
        async task(data) {
          const next = await api.patch(environment, path, parseJson(text(data, 'policy')));
          navigate(`#/policies/${id}?version=${next.version}`);
        },
      }),
    );
    const remove = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', className: 'danger' }, ['Delete policy'])
    );
    remove.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: 'Delete this policy?',
        message: `${current.name} stops applying to new challenges; its versions stay readable.`,
        confirm: 'Delete',
        danger: true,
      });
      if (!ok) return;
      try {
        await api.delete(environment, path);
        navigate('#/policies');
      } catch (error) {
        outcome.replaceChildren(errorState(error));
      }
    });
    parts.push(h('div', { className: 'actions' }, [remove]), outcome);
  }
  body.replaceChildren(section(`Version ${shown.version}`, parts, { id: 'policy-detail' }));
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'policies',
  title: 'Policies',
  async render(root, ctx) {
    if (ctx.params[0]) await renderDetail(root, ctx, ctx.params[0]);
    else renderList(root, ctx);
  },
});
