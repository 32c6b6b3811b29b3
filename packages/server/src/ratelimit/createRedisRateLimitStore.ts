import { Redis } from 'ioredis';
import { redactUrl } from '../config.js';
import type { RateLimitStore } from './rateLimitStore.js';

// INCR and the first PEXPIRE in one atomic step, so a crash between them cannot leave a counter
// that never expires.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count`;

/** Fixed-window counters in Redis, shared by every server instance using the same Redis. */
export async function createRedisRateLimitStore(url: string): Promise<RateLimitStore> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  // ioredis reports connection trouble as events; the hit() calls surface it as rejections.
  let lastError: Error | null = null;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    // Unreachable at boot: refuse to start (a wrong --redis must not go unnoticed). Without the
    // disconnect, ioredis would keep reconnecting and the failed process would never exit.
    redis.disconnect();
    const reason = (lastError as Error | null)?.message ?? (error as Error).message;
    throw Object.assign(new Error(`Redis at ${redactUrl(url)} is unreachable (${reason})`), {
      name: 'RedisUnreachableError',
      cause: error,
    });
  }
  redis.defineCommand('keyraHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
  return {
    async hit(key, windowMs, now) {
      const windowStart = Math.floor(now / windowMs) * windowMs;
      const slot = `keyra:rl:${key}:${windowStart}`;
      const count = (await (
        redis as unknown as { keyraHit(k: string, ttl: number): Promise<number> }
      ).keyraHit(slot, windowMs + 1000)) as number;
      return { count, resetAt: windowStart + windowMs };
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      redis.disconnect();
    },
  };
}
