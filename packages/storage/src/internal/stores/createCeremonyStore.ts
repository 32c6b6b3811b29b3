import type { CeremonyStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { ceremonyFromRow } from '../rows.js';
import type { Database } from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';

export function createCeremonyStore(db: Kysely<Database>): CeremonyStore {
  return {
    async insert(ceremony) {
      await db
        .insertInto('webauthn_ceremonies')
        .values({
          challenge: ceremony.challenge,
          ...scopeColumns(ceremony),
          user_id: ceremony.userId,
          kind: ceremony.kind,
          created_at: ceremony.createdAt,
          expires_at: ceremony.expiresAt,
          used_at: ceremony.usedAt,
        })
        .execute();
    },

    async consume(scope, challenge, kind, now) {
      // Single-use by construction: one conditional update, one winner.
      const row = await db
        .updateTable('webauthn_ceremonies')
        .set({ used_at: now })
        .where('challenge', '=', challenge)
        .where(inScope(scope))
        .where('kind', '=', kind)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? ceremonyFromRow(row) : null;
    },

    async purgeExpiredBefore(before) {
      const result = await db
        .deleteFrom('webauthn_ceremonies')
        .where('expires_at', '<', before)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
