/** The counter of one fixed window. */
export interface WindowCount {
  count: number;
  /** When the window ends (epoch ms). */
  resetAt: number;
}

/**
 * Counts hits per key in fixed windows. The in-process store serves one server; the Redis store
 * is shared by every instance pointed at the same Redis, so a key's limit holds cluster-wide.
 */
export interface RateLimitStore {
  hit(key: string, windowMs: number, now: number): Promise<WindowCount>;
  /** Throws when the backing service is unreachable (readiness checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
