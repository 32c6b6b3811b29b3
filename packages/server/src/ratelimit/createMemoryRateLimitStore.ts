import type { RateLimitStore, WindowCount } from './rateLimitStore.js';

/** In-process fixed-window counters; old windows are dropped as time moves on. */
export function createMemoryRateLimitStore(): RateLimitStore {
  const counters = new Map<string, WindowCount>();
  let lastSweep = 0;
  return {
    async hit(key, windowMs, now) {
      if (now - lastSweep > windowMs) {
        for (const [k, v] of counters) if (v.resetAt <= now) counters.delete(k);
        lastSweep = now;
      }
      const windowStart = Math.floor(now / windowMs) * windowMs;
      const slot = `${key}:${windowStart}`;
      const current = counters.get(slot);
      if (current) {
        current.count += 1;
        return { ...current };
      }
      const fresh = { count: 1, resetAt: windowStart + windowMs };
      counters.set(slot, fresh);
      return { ...fresh };
    },
    async ping() {},
    async close() {
      counters.clear();
    },
  };
}
