import type { Storage } from '@keyra/core';
import type { Kysely } from 'kysely';
import type { Database, DatabaseKind } from './schema.js';
import { createApiKeyStore } from './stores/createApiKeyStore.js';
import { createChallengeStore } from './stores/createChallengeStore.js';
import { createIdempotencyStore } from './stores/createIdempotencyStore.js';
import { createTenantStore } from './stores/createTenantStore.js';

export type Stores = Omit<Storage, 'transaction' | 'close' | 'ping' | 'migrate'>;

/** The stores bound to `db`: the root Kysely instance or one transaction. */
export function createStores(db: Kysely<Database>, kind: DatabaseKind): Stores {
  return {
    kind,
    tenants: createTenantStore(db),
    apiKeys: createApiKeyStore(db),
    challenges: createChallengeStore(db, kind),
    idempotency: createIdempotencyStore(db),
  };
}
