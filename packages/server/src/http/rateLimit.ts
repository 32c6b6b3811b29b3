import { KeyraError } from '@keyra/core';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { RateLimitStore } from '../ratelimit/rateLimitStore.js';

export interface RateLimitRule {
  /** Counter namespace and subject, e.g. `key:key_123` or `ip:203.0.113.9`. */
  key: string;
  limit: number;
  windowMs: number;
}

/**
 * Counts one hit against `rule`, sets the `X-RateLimit-*` headers, and throws
 * `rate_limit_exceeded` (with `Retry-After`) once the window's budget is spent. If the store is
 * unreachable the request is let through and the failure logged: an outage of the shared
 * counter must not take the API down with it.
 */
export async function enforceRateLimit(
  store: RateLimitStore,
  rule: RateLimitRule,
  now: number,
  reply: FastifyReply,
  log: FastifyBaseLogger,
): Promise<void> {
  let window;
  try {
    window = await store.hit(rule.key, rule.windowMs, now);
  } catch (error) {
    log.warn({ reason: (error as Error).message }, 'rate-limit store unavailable; request allowed');
    return;
  }
  const remaining = Math.max(0, rule.limit - window.count);
  const resetSeconds = Math.ceil(window.resetAt / 1000);
  reply.header('X-RateLimit-Limit', String(rule.limit));
  reply.header('X-RateLimit-Remaining', String(remaining));
  reply.header('X-RateLimit-Reset', String(resetSeconds));
  if (window.count > rule.limit) {
    const retryAfter = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    throw new KeyraError('rate_limit_exceeded', `Too many requests; retry in ${retryAfter} s.`, {
      headers: { 'Retry-After': String(retryAfter) },
      details: { limit: rule.limit, windowSeconds: rule.windowMs / 1000, retryAfter },
    });
  }
}
