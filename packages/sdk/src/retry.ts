/** How the SDK retries; see `withRetries`. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). */
  maxRetries: number;
  /** First backoff, doubled on each retry. */
  initialDelayMs?: number;
  /** Upper bound on any wait, `Retry-After` included. */
  maxDelayMs?: number;
  /** Seams for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it yields a response worth returning, retrying only what may succeed
 * on a second try: network errors (no response at all), 429, 5xx, and any answer that carries
 * `Retry-After` (the server saying "try again then", e.g. `409 idempotency_key_in_use` while the
 * first attempt of the same key is still running). Any other status, including the other 4xx,
 * is the caller's to handle: resending the same request cannot fix it.
 *
 * The wait before retry n (1-based) is the server's `Retry-After` when it sent one (it knows
 * when its rate window reopens), otherwise `initialDelayMs * 2^(n-1)` with "full jitter"
 * (a random point in the upper half), so that many clients failing together do not retry in
 * lockstep. Backoff is capped by `maxDelayMs`; a `Retry-After` longer than `maxDelayMs` is not
 * waited for: the answer is returned at once (e.g. a `RateLimitError` with its `retryAfter`).
 *
 * `attempt` must resend the same request each time, idempotency key included: that is what
 * makes retrying a POST safe (the server replays the stored answer of a first attempt that
 * did run but whose response was lost).
 */
export async function withRetries(
  attempt: () => Promise<Response>,
  policy: RetryPolicy,
): Promise<Response> {
  const { initialDelayMs = 500, maxDelayMs = 20_000 } = policy;
  const sleep = policy.sleep ?? defaultSleep;
  const random = policy.random ?? Math.random;
  for (let retry = 0; ; retry += 1) {
    let response: Response | undefined;
    try {
      response = await attempt();
    } catch (error) {
      if (retry >= policy.maxRetries) throw error;
    }
    const retryAfter = parseRetryAfter(response?.headers.get('retry-after') ?? null);
    if (response !== undefined) {
      // A success is final even with Retry-After (a 202 may carry one as a polling hint).
      const retryable =
        response.status >= 400 &&
        (retryAfter !== undefined || response.status === 429 || response.status >= 500);
      if (!retryable || retry >= policy.maxRetries) return response;
      if (retryAfter !== undefined && retryAfter > maxDelayMs) return response;
      // Free the connection before waiting; the body of a retried answer is not needed.
      await response.body?.cancel().catch(() => undefined);
    }
    const backoff = initialDelayMs * 2 ** retry * (0.5 + random() / 2);
    await sleep(retryAfter ?? Math.min(backoff, maxDelayMs));
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
