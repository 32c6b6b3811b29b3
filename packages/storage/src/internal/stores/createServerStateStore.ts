import type { ServerStateStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export function createServerStateStore(db: Kysely<Database>): ServerStateStore {
  const get = async (key: string): Promise<string | null> => {
    const row = await db
      .selectFrom('server_state')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value ?? null;
  };
  return {
    get,
    async putIfAbsent(key, value) {
      await db
        .insertInto('server_state')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const stored = await get(key);
      if (stored === null) throw new Error(`server_state ${key} vanished after insert`);
      return stored;
    },
  };
}
