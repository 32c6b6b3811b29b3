/**
 * Delay before retry N (after the Nth failed attempt), in seconds: quick first (within 10 s),
 * then backing off to a day, about three days in all (documented in docs/webhooks.md).
 */
export const RETRY_DELAYS_SECONDS = [
  5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400,
] as const;

/** Attempts in all: the first plus one per delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/**
 * When to try again after `attempts` failed attempts, with ±20 % jitter so endpoints recovering
 * from an outage are not hit by every retry at once; null when the schedule is exhausted.
 * `random` returns a number in [0, 1).
 */
export function nextAttemptAt(
  attempts: number,
  now: number,
  random: () => number = Math.random,
): number | null {
  const base = RETRY_DELAYS_SECONDS[attempts - 1];
  if (base === undefined) return null;
  const jitter = 0.8 + 0.4 * random();
  return now + Math.round(base * 1000 * jitter);
}
