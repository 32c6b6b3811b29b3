import type { ApiKeyRecord, ApiKeyStore, Clock } from '@keyra/core';

export interface CacheApiKeysOptions {
  /** How long a looked-up key is trusted without asking the database again; 0 turns the cache off. */
  ttlMs: number;
  clock: Clock;
  /** At most this many keys are remembered (the least recently used are forgotten first). */
  capacity?: number;
}

/** The cached store, and how this process drops a key it changed itself (console revoke, rotate). */
export interface CachedApiKeyStore extends ApiKeyStore {
  /** Forgets the cached record of `keyId`, so the next request reads its new state. */
  forget(keyId: string): void;
}

/**
 * An `ApiKeyStore` whose `findByHash` remembers found keys for `ttlMs`, so the key lookup leaves
 * the request path. The record carries its own `expiresAt` (rotation grace) and `revokedAt`, which
 * the caller checks against the current time on every request, so expiry is exact; only a
 * revocation made after the lookup (by another process, such as `keyra keys revoke`) waits for the
 * entry to age out. That is the stated bound: a revoked key stops working on every instance within
 * `ttlMs` (docs/configuration.md, `KEYRA_API_KEY_CACHE_MS`).
 *
 * Unknown hashes are never cached: a flood of made-up keys cannot fill the cache or push real
 * keys out, and a key created a moment ago is found at once.
 */
export function cacheApiKeys(store: ApiKeyStore, options: CacheApiKeysOptions): CachedApiKeyStore {
  const { ttlMs, clock } = options;
  const capacity = options.capacity ?? 10_000;
  if (ttlMs <= 0) return { ...store, forget: () => undefined };
  const entries = new Map<string, { record: ApiKeyRecord; fetchedAt: number }>();
  return {
    ...store,
    forget(keyId) {
      for (const [hash, entry] of entries) if (entry.record.id === keyId) entries.delete(hash);
    },
    async findByHash(hash) {
      const now = clock.now();
      const entry = entries.get(hash);
      if (entry && now - entry.fetchedAt < ttlMs && now >= entry.fetchedAt) {
        entries.delete(hash);
        entries.set(hash, entry);
        return entry.record;
      }
      entries.delete(hash);
      const record = await store.findByHash(hash);
      if (record) {
        entries.set(hash, { record, fetchedAt: now });
        if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
      }
      return record;
    },
  };
}
