import type { ApiKeyStore, Clock } from '@keyra/core';
import type { FastifyBaseLogger } from 'fastify';

/** A key's last use is kept to the minute: enough for "last used", cheap on the request path. */
export const API_KEY_USE_PRECISION_MS = 60_000;

/**
 * Records that a key authenticated a request (`ApiKeyStore.markUsed`), at most once a minute per
 * key: this process remembers when it last wrote each key and skips the database until a minute
 * has passed; across processes the store's conditional write keeps it to one write a minute.
 * The write is not awaited by the request, and a failure is logged, never answered.
 */
export function apiKeyUseRecorder(
  store: Pick<ApiKeyStore, 'markUsed'>,
  clock: Clock,
): (keyId: string, log: FastifyBaseLogger) => void {
  const written = new Map<string, number>();
  return (keyId, log) => {
    const now = clock.now();
    const last = written.get(keyId);
    if (last !== undefined && now - last < API_KEY_USE_PRECISION_MS) return;
    // Bounded like the key cache: forgetting only costs one extra conditional write.
    if (written.size >= 10_000) written.clear();
    written.set(keyId, now);
    store.markUsed(keyId, now, API_KEY_USE_PRECISION_MS).catch((error: unknown) => {
      log.warn({ reason: (error as Error).message, keyId }, 'could not record an API key use');
    });
  };
}
