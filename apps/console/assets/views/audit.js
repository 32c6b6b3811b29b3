// Audit log: the tenant's tamper-evident entries (chain order) with filters, a check of the chain
// in the browser with @keyra/sdk, the signed checkpoints (admins sign one on demand), and the
// NDJSON export for admins.

import { auditEntryHash, verifyAuditChain } from '../../sdk/index.js';
import { can, dateText, errorState, filterForm, h, heading, listTable } from './common.js';
import { code, dayRange, jsonBlock, notice, section, toneBadge } from './commonB.js';

/** @typedef {import('../shell.js').ViewContext} ViewContext */
/** @typedef {import('../../sdk/index.js').AuditEntry} AuditEntry */

/** The most entries the chain check reads (500 per page). */
const CHECK_LIMIT = 10_000;

/** @param {ViewContext} ctx @param {Record<string, string | undefined>} filters */
async function readAll({ api, environment }, filters) {
  /** @type {AuditEntry[]} */
  const entries = [];
  /** @type {string | null} */
  let cursor = null;
  do {
    const page = await api.get(environment, '/v1/audit', { ...filters, limit: 500, cursor });
    entries.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && entries.length < CHECK_LIMIT);
  return { entries, complete: !cursor };
}

/**
 * Checks the chain: in production the whole chain from its start (every hash, every link, no gap)
 * and its head against the newest checkpoint; in sandbox, which sees only sandbox entries, each
 * entry's own hash (the links need the other environment's entries).
 * @param {ViewContext} ctx
 * @returns {Promise<Node[]>}
 */
async function checkChain(ctx) {
  if (ctx.environment === 'sandbox') {
    const { entries, complete } = await readAll(ctx, { environment: 'sandbox' });
    const bad = [];
    for (const entry of entries) if ((await auditEntryHash(entry)) !== entry.hash) bad.push(entry);
    const scope = complete ? '' : ` (the first ${entries.length})`;
    return [
      bad.length === 0
        ? toneBadge(`${entries.length} sandbox entries${scope}: every hash matches`, 'good')
        : toneBadge(`Entry ${bad[0]?.seq} does not match its hash`, 'bad'),
      h('p', { className: 'hint' }, [
        'Sandbox sees only sandbox entries, so the links between entries are checked in production.',
      ]),
    ];
  }
  const [{ entries, complete }, checkpoints] = await Promise.all([
    readAll(ctx, {}),
    ctx.api.get(ctx.environment, '/v1/audit/checkpoints', { limit: 1 }),
  ]);
  const result = await verifyAuditChain(entries);
  if (!result.intact)
    return [toneBadge(`Broken at entry ${result.broken.seq}: ${result.broken.message}`, 'bad')];
  const lines = [
    toneBadge(
      `Intact: ${result.count} entries${complete ? '' : ' checked (of more)'}, head ${result.head.seq}`,
      'good',
    ),
  ];
  const [latest] = checkpoints.data;
  if (latest) {
    const at = entries.find((entry) => entry.seq === latest.seq);
    const agrees = latest.seq === 0 || (at !== undefined && at.hash === latest.hash);
    lines.push(
      h('p', {}, [
        agrees
          ? `The newest checkpoint (${latest.id}, entry ${latest.seq}) matches the chain.`
          : `The newest checkpoint (${latest.id}, entry ${latest.seq}) does NOT match the chain.`,
      ]),
    );
  }
  return lines;
}

/** @param {HTMLElement} root @param {ViewContext} ctx */
function render(root, ctx) {
  const { api, environment, session, query, navigate, signal } = ctx;
  const range = dayRange(query);
  const filters = {
    type: query.get('type') ?? undefined,
    subject: query.get('subject') ?? undefined,
    since: range.since,
    until: range.until,
  };
  root.append(
    heading(
      'Audit log',
      `Every security-relevant fact, hash-chained per tenant, in chain order (${environment === 'sandbox' ? 'sandbox entries only' : 'both environments'}).`,
    ),
  );

  const checkOut = h('div', { role: 'status' });
  const checkButton = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button' }, ['Verify the chain'])
  );
  checkButton.addEventListener('click', async () => {
    checkButton.disabled = true;
    checkOut.replaceChildren(h('p', {}, ['Reading and hashing the entries…']));
    try {
      checkOut.replaceChildren(...(await checkChain(ctx)));
    } catch (error) {
      checkOut.replaceChildren(errorState(error));
    } finally {
      checkButton.disabled = false;
    }
  });
  const tools = [h('div', { className: 'actions' }, [checkButton]), checkOut];
  if (can(session, 'admin')) tools.push(exportControl(ctx, filters));
  root.append(section('Chain status', tools, { id: 'audit-chain' }));

  root.append(
    filterForm({
      base: '#/audit',
      query,
      navigate,
      fields: [
        { name: 'type', label: 'Type', placeholder: 'webhook_endpoint.secret_rotated' },
        { name: 'subject', label: 'Subject', placeholder: 'we_…, chl_…' },
        { name: 'from', label: 'From (UTC day)', type: 'date' },
        { name: 'to', label: 'To (UTC day)', type: 'date' },
      ],
    }),
    listTable({
      caption: 'Audit entries',
      empty: query.size > 0 ? 'No entry matches these filters.' : 'No audit entries yet.',
      signal,
      columns: [
        { label: 'Seq', cell: (row) => String(row.seq) },
        { label: 'When', cell: (row) => dateText(row.occurredAt) },
        { label: 'Type', cell: (row) => code(row.type) },
        { label: 'Actor', cell: (row) => row.actor },
        { label: 'Subject', cell: (row) => row.subject },
        // Sandbox sees only sandbox entries; the column says something only in production.
        ...(environment === 'production'
          ? [{ label: 'Environment', cell: (/** @type {any} */ row) => row.environment }]
          : []),
        {
          label: 'Entry',
          cell: (row) =>
            h('details', {}, [
              h('summary', {}, ['Data and hashes']),
              jsonBlock(row, `Audit entry ${row.seq}`),
            ]),
        },
      ],
      load: async (cursor) => {
        const page = await api.get(environment, '/v1/audit', { ...filters, limit: 50, cursor });
        return { data: page.data, nextCursor: page.nextCursor };
      },
    }),
  );
  root.append(checkpointsSection(ctx));
}

/** @param {ViewContext} ctx @param {Record<string, string | undefined>} filters */
function exportControl({ api, environment }, filters) {
  const out = h('div');
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', className: 'secondary' }, ['Export as NDJSON'])
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    out.replaceChildren();
    try {
      const blob = await api.getBlob(environment, '/v1/audit/export', filters);
      const anchor = h(
        'a',
        {
          href: URL.createObjectURL(blob),
          download: `keyra-audit-${environment}.ndjson`,
          id: 'audit-export-link',
        },
        [`Download keyra-audit-${environment}.ndjson (${blob.size} bytes)`],
      );
      out.replaceChildren(anchor);
      anchor.focus();
    } catch (error) {
      out.replaceChildren(errorState(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('div', {}, [
    h('p', { className: 'hint' }, [
      'Admins: the entries matching the filters below, one per line.',
    ]),
    button,
    out,
  ]);
}

/** @param {ViewContext} ctx */
function checkpointsSection(ctx) {
  const { api, environment, session, signal } = ctx;
  const table = () =>
    listTable({
      caption: 'Audit checkpoints',
      empty: 'No checkpoint yet.',
      signal,
      columns: [
        { label: 'Checkpoint', cell: (row) => code(row.id) },
        { label: 'Entry', cell: (row) => String(row.seq) },
        { label: 'Head hash', cell: (row) => code(row.hash) },
        { label: 'Signed', cell: (row) => dateText(row.createdAt) },
      ],
      load: async (cursor) => {
        const page = await api.get(environment, '/v1/audit/checkpoints', { limit: 20, cursor });
        return { data: page.data, nextCursor: page.nextCursor };
      },
    });
  const holder = h('div', {}, [table()]);
  const parts = [
    h('p', { className: 'hint' }, [
      "Each checkpoint is the chain's head signed with KEYRA's key (a JWS checkable with /.well-known/jwks.json).",
    ]),
  ];
  if (can(session, 'admin')) {
    const out = h('div');
    const sign = /** @type {HTMLButtonElement} */ (
      h('button', { type: 'button', className: 'secondary' }, ['Sign a checkpoint now'])
    );
    sign.addEventListener('click', async () => {
      sign.disabled = true;
      out.replaceChildren();
      try {
        const made = await api.post(environment, '/v1/audit/checkpoints');
        out.replaceChildren(notice(`Checkpoint ${made.id} signed at entry ${made.seq}.`));
        holder.replaceChildren(table());
      } catch (error) {
        out.replaceChildren(errorState(error));
      } finally {
        sign.disabled = false;
      }
    });
    parts.push(h('div', { className: 'actions' }, [sign]), out);
  }
  parts.push(holder);
  return section('Checkpoints', parts, { id: 'audit-checkpoints' });
}

export default /** @type {import('../shell.js').ConsoleView} */ ({
  id: 'audit',
  title: 'Audit log',
  render,
});
