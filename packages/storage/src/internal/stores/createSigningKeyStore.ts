import type { SigningKeyStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { signingKeyFromRow } from '../rows.js';
import type { Database } from '../schema.js';

export function createSigningKeyStore(db: Kysely<Database>): SigningKeyStore {
  return {
    async insert(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          algorithm: key.algorithm,
          public_jwk: JSON.stringify(key.publicJwk),
          sealed_private_jwk: key.sealedPrivateJwk,
          created_at: key.createdAt,
          retired_at: key.retiredAt,
        })
        .execute();
    },

    async listAll() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('kid', 'desc')
        .execute();
      return rows.map(signingKeyFromRow);
    },

    async retireAllExcept(keepKid, now) {
      const result = await db
        .updateTable('signing_keys')
        .set({ retired_at: now })
        .where('kid', '!=', keepKid)
        .where('retired_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
