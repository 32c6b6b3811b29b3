import type {
  ConsoleActionRecord,
  ConsoleInviteRecord,
  ConsolePasskeyRecord,
  ConsoleSessionRecord,
  ConsoleStore,
  ConsoleUserRecord,
} from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import type {
  ConsoleActionsTable,
  ConsoleInvitesTable,
  ConsolePasskeysTable,
  ConsoleSessionsTable,
  ConsoleUsersTable,
  Database,
} from '../schema.js';

function userFromRow(row: Selectable<ConsoleUsersTable>): ConsoleUserRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    role: row.role,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

function inviteFromRow(row: Selectable<ConsoleInvitesTable>): ConsoleInviteRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    role: row.role,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    invitedBy: row.invited_by,
  };
}

function passkeyFromRow(row: Selectable<ConsolePasskeysTable>): ConsolePasskeyRecord {
  return {
    credentialId: row.credential_id,
    userId: row.user_id,
    tenantId: row.tenant_id,
    publicKey: row.public_key,
    counter: row.counter,
    transports: JSON.parse(row.transports) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

function sessionFromRow(row: Selectable<ConsoleSessionsTable>): ConsoleSessionRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    userId: row.user_id,
    tenantId: row.tenant_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    idleTimeoutMs: row.idle_timeout_ms,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function actionFromRow(row: Selectable<ConsoleActionsTable>): ConsoleActionRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    environment: row.environment,
    method: row.method,
    route: row.route,
    targetId: row.target_id,
    statusCode: row.status_code,
    at: row.at,
  };
}

export function createConsoleStore(db: Kysely<Database>): ConsoleStore {
  /**
   * The last-owner guard, inside the one conditional write that demotes or disables: the row
   * changes only if it is not an owner, or another active owner of the tenant remains.
   */
  const anotherOwnerRemains = (tenantId: string, id: string) =>
    sql<boolean>`(role <> 'owner' or exists (select 1 from console_users other where other.tenant_id = ${tenantId} and other.id <> ${id} and other.role = 'owner' and other.disabled_at is null))`;

  return {
    async insertInvite(invite) {
      await db
        .insertInto('console_invites')
        .values({
          id: invite.id,
          tenant_id: invite.tenantId,
          email: invite.email,
          role: invite.role,
          token_hash: invite.tokenHash,
          created_at: invite.createdAt,
          expires_at: invite.expiresAt,
          used_at: invite.usedAt,
          invited_by: invite.invitedBy,
        })
        .execute();
    },

    async findInviteByHash(tokenHash) {
      const row = await db
        .selectFrom('console_invites')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? inviteFromRow(row) : null;
    },

    async useInvite(id, now) {
      const result = await db
        .updateTable('console_invites')
        .set({ used_at: now })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertUser(user) {
      await db
        .insertInto('console_users')
        .values({
          id: user.id,
          tenant_id: user.tenantId,
          email: user.email,
          role: user.role,
          created_at: user.createdAt,
          disabled_at: user.disabledAt,
        })
        .execute();
    },

    async findUser(tenantId, id) {
      const row = await db
        .selectFrom('console_users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async findUserByEmail(tenantId, email) {
      const row = await db
        .selectFrom('console_users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('email', '=', email)
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async listUsers(tenantId) {
      const rows = await db
        .selectFrom('console_users')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(userFromRow);
    },

    async setRole(tenantId, id, role) {
      let query = db
        .updateTable('console_users')
        .set({ role })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('disabled_at', 'is', null);
      if (role !== 'owner') query = query.where(anotherOwnerRemains(tenantId, id));
      const row = await query.returningAll().executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async disableUser(tenantId, id, now) {
      const row = await db
        .updateTable('console_users')
        .set({ disabled_at: now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('disabled_at', 'is', null)
        .where(anotherOwnerRemains(tenantId, id))
        .returningAll()
        .executeTakeFirst();
      return row ? userFromRow(row) : null;
    },

    async insertPasskey(passkey) {
      await db
        .insertInto('console_passkeys')
        .values({
          credential_id: passkey.credentialId,
          user_id: passkey.userId,
          tenant_id: passkey.tenantId,
          public_key: passkey.publicKey,
          counter: passkey.counter,
          transports: JSON.stringify(passkey.transports),
          created_at: passkey.createdAt,
          last_used_at: passkey.lastUsedAt,
        })
        .execute();
    },

    async findPasskey(credentialId) {
      const row = await db
        .selectFrom('console_passkeys')
        .selectAll()
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row ? passkeyFromRow(row) : null;
    },

    async recordPasskeyUse(credentialId, previous, next, now) {
      const result = await db
        .updateTable('console_passkeys')
        .set({ counter: next, last_used_at: now })
        .where('credential_id', '=', credentialId)
        .where('counter', '=', previous)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertCeremony(ceremony) {
      await db
        .insertInto('console_ceremonies')
        .values({
          challenge: ceremony.challenge,
          kind: ceremony.kind,
          invite_id: ceremony.inviteId,
          created_at: ceremony.createdAt,
          expires_at: ceremony.expiresAt,
          used_at: ceremony.usedAt,
        })
        .execute();
    },

    async consumeCeremony(challenge, kind, now) {
      // Single-use by construction: one conditional update, one winner.
      const row = await db
        .updateTable('console_ceremonies')
        .set({ used_at: now })
        .where('challenge', '=', challenge)
        .where('kind', '=', kind)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row
        ? {
            challenge: row.challenge,
            kind: row.kind,
            inviteId: row.invite_id,
            createdAt: row.created_at,
            expiresAt: row.expires_at,
            usedAt: row.used_at,
          }
        : null;
    },

    async purgeCeremoniesBefore(before) {
      const result = await db
        .deleteFrom('console_ceremonies')
        .where('expires_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async insertSession(session) {
      await db
        .insertInto('console_sessions')
        .values({
          token_hash: session.tokenHash,
          id: session.id,
          user_id: session.userId,
          tenant_id: session.tenantId,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          idle_timeout_ms: session.idleTimeoutMs,
          expires_at: session.expiresAt,
          revoked_at: session.revokedAt,
        })
        .execute();
    },

    async findSession(tokenHash) {
      const row = await db
        .selectFrom('console_sessions')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row ? sessionFromRow(row) : null;
    },

    async touchSession(tokenHash, now) {
      await db
        .updateTable('console_sessions')
        .set({ last_seen_at: now })
        .where('token_hash', '=', tokenHash)
        .where('last_seen_at', '<', now)
        .execute();
    },

    async revokeSession(tokenHash, now) {
      const result = await db
        .updateTable('console_sessions')
        .set({ revoked_at: now })
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async revokeUserSessions(tenantId, userId, now) {
      const result = await db
        .updateTable('console_sessions')
        .set({ revoked_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async listSessions(tenantId, userId, now) {
      const rows = await db
        .selectFrom('console_sessions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(sessionFromRow);
    },

    async recordAction(action) {
      await db
        .insertInto('console_actions')
        .values({
          id: action.id,
          tenant_id: action.tenantId,
          user_id: action.userId,
          environment: action.environment,
          method: action.method,
          route: action.route,
          target_id: action.targetId,
          status_code: action.statusCode,
          at: action.at,
        })
        .execute();
    },

    async listActions(tenantId, limit) {
      const rows = await db
        .selectFrom('console_actions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(actionFromRow);
    },
  };
}
