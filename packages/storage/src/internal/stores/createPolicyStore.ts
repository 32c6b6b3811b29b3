import type {
  ApproverGroupRecord,
  ApproverGroupStore,
  Environment,
  PolicyRecord,
  PolicyRequirement,
  PolicyRule,
  PolicyStore,
  Scope,
} from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  ApproverGroupsTable,
  Database,
  PoliciesTable,
  PolicyVersionsTable,
} from '../schema.js';
import { precompile } from '../precompile.js';
import { inScope, scopeColumns } from '../inScope.js';
import { inTransaction } from '../inTransaction.js';

function policyFromRows(
  head: Selectable<PoliciesTable>,
  version: Selectable<PolicyVersionsTable>,
): PolicyRecord {
  return {
    id: head.id,
    tenantId: head.tenant_id,
    environment: head.environment,
    name: version.name,
    description: version.description,
    priority: Number(version.priority),
    version: Number(version.version),
    match: JSON.parse(version.match) as PolicyRule['match'],
    require: JSON.parse(version.requirement) as PolicyRequirement,
    createdAt: Number(head.created_at),
    updatedAt: Number(version.created_at),
    deletedAt: head.deleted_at === null ? null : Number(head.deleted_at),
  };
}

function versionRow(policy: PolicyRecord): PolicyVersionsTable {
  return {
    policy_id: policy.id,
    version: policy.version,
    ...scopeColumns(policy),
    name: policy.name,
    description: policy.description,
    priority: policy.priority,
    match: JSON.stringify(policy.match),
    requirement: JSON.stringify(policy.require),
    created_at: policy.updatedAt,
  };
}

/** Heads with the version each should show: the current one, or `version` when asked. */
async function withVersions(
  db: Kysely<Database>,
  heads: readonly Selectable<PoliciesTable>[],
  version?: number,
): Promise<PolicyRecord[]> {
  if (heads.length === 0) return [];
  const versions = await db
    .selectFrom('policy_versions')
    .selectAll()
    .where(
      'policy_id',
      'in',
      heads.map((head) => head.id),
    )
    .execute();
  return heads.flatMap((head) => {
    const wanted = version ?? Number(head.current_version);
    const row = versions.find((v) => v.policy_id === head.id && Number(v.version) === wanted);
    return row ? [policyFromRows(head, row)] : [];
  });
}

/** Every challenge creation reads its scope's live policies. */
const selectActive = precompile(2, (db, tenantId: string, environment: string) =>
  db
    .selectFrom('policies')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment as Environment)
    .where('deleted_at', 'is', null)
    .orderBy('id'),
);

export function createPolicyStore(db: Kysely<Database>): PolicyStore {
  const live = (scope: Scope) =>
    db.selectFrom('policies').selectAll().where(inScope(scope)).where('deleted_at', 'is', null);
  return {
    async create(policy) {
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto('policies')
          .values({
            id: policy.id,
            ...scopeColumns(policy),
            current_version: policy.version,
            created_at: policy.createdAt,
            deleted_at: null,
          })
          .execute();
        await trx.insertInto('policy_versions').values(versionRow(policy)).execute();
      });
    },

    async update(scope, next) {
      return inTransaction(db, async (trx) => {
        // One conditional write: of two changes made from the same version, one moves the head.
        const head = await trx
          .updateTable('policies')
          .set({ current_version: next.version })
          .where('id', '=', next.id)
          .where(inScope(scope))
          .where('deleted_at', 'is', null)
          .where('current_version', '=', next.version - 1)
          .returningAll()
          .executeTakeFirst();
        if (!head) return null;
        await trx.insertInto('policy_versions').values(versionRow(next)).execute();
        return (await withVersions(trx, [head]))[0] ?? null;
      });
    },

    async delete(scope, id, now) {
      const head = await db
        .updateTable('policies')
        .set({ deleted_at: now })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return head ? ((await withVersions(db, [head]))[0] ?? null) : null;
    },

    async find(scope, id, version) {
      const query =
        version === undefined
          ? live(scope)
          : db.selectFrom('policies').selectAll().where(inScope(scope));
      const head = await query.where('id', '=', id).executeTakeFirst();
      return head ? ((await withVersions(db, [head], version))[0] ?? null) : null;
    },

    async list(scope, limit, after) {
      let query = live(scope);
      if (after)
        query = query.where(
          sql<boolean>`(created_at < ${after.createdAt} or (created_at = ${after.createdAt} and id < ${after.id}))`,
        );
      const heads = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.trunc(limit)))
        .execute();
      return withVersions(db, heads);
    },

    async listActive(scope) {
      const { rows } = await selectActive(db, scope.tenantId, scope.environment);
      return withVersions(db, rows);
    },
  };
}

function groupFromRow(row: Selectable<ApproverGroupsTable>): ApproverGroupRecord {
  return {
    tenantId: row.tenant_id,
    environment: row.environment,
    name: row.name,
    members: JSON.parse(row.members) as string[],
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function createApproverGroupStore(db: Kysely<Database>): ApproverGroupStore {
  const named = (scope: Scope, name: string) =>
    db.selectFrom('approver_groups').selectAll().where(inScope(scope)).where('name', '=', name);
  return {
    async put(group) {
      const row = await db
        .insertInto('approver_groups')
        .values({
          ...scopeColumns(group),
          name: group.name,
          members: JSON.stringify(group.members),
          created_at: group.createdAt,
          updated_at: group.updatedAt,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'environment', 'name']).doUpdateSet({
            members: JSON.stringify(group.members),
            updated_at: group.updatedAt,
          }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return groupFromRow(row);
    },

    async find(scope, name) {
      const row = await named(scope, name).executeTakeFirst();
      return row ? groupFromRow(row) : null;
    },

    async list(scope) {
      const rows = await db
        .selectFrom('approver_groups')
        .selectAll()
        .where(inScope(scope))
        .orderBy('name')
        .execute();
      return rows.map(groupFromRow);
    },

    async delete(scope, name) {
      const result = await db
        .deleteFrom('approver_groups')
        .where(inScope(scope))
        .where('name', '=', name)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
