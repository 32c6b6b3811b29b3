import { createHash } from 'node:crypto';
import {
  canonicalJson,
  KeyraError,
  type Clock,
  type IdempotencyStore,
  type Scope,
} from '@keyra/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** An in-progress claim older than this is assumed to belong to a crashed request. */
const LOCK_MS = 60_000;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  clock: Clock;
  retentionMs: number;
}

/** Same method, route and (canonical) body: the same request. */
function fingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method}\n${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
}

/**
 * Runs before a POST handler. A first use claims the key; a repeat replays the stored response
 * (`Idempotent-Replayed: true`); a repeat with another body is `idempotency_key_reused`; a repeat
 * while the first is still running is `idempotency_key_in_use`. Returns true when the reply was sent.
 */
export async function beginIdempotentRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  scope: Scope,
  options: IdempotencyOptions,
): Promise<boolean> {
  const header = request.headers['idempotency-key'];
  if (header === undefined || request.method !== 'POST') return false;
  const key = Array.isArray(header) ? '' : header;
  if (!KEY_PATTERN.test(key)) {
    throw new KeyraError(
      'idempotency_key_invalid',
      'Idempotency-Key must be 1-255 visible ASCII characters, e.g. a UUID.',
    );
  }
  const print = fingerprint(request);
  const claim = await options.store.claim({
    scope,
    key,
    fingerprint: print,
    method: request.method,
    path: request.url,
    now: options.clock.now(),
    retentionMs: options.retentionMs,
    lockMs: LOCK_MS,
  });
  if (claim.outcome === 'claimed') {
    request.idempotencyClaim = { key, token: claim.token };
    return false;
  }
  if (claim.record.fingerprint !== print) {
    throw new KeyraError(
      'idempotency_key_reused',
      'This Idempotency-Key was already used with a different request. Use a new key for a new request.',
    );
  }
  if (claim.outcome === 'in_progress') {
    throw new KeyraError(
      'idempotency_key_in_use',
      'A request with this Idempotency-Key is still in progress; retry shortly.',
      {
        headers: { 'Retry-After': '1' },
      },
    );
  }
  await reply
    .status(claim.record.statusCode ?? 200)
    .header('Idempotent-Replayed', 'true')
    .type('application/json; charset=utf-8')
    .send(claim.record.responseBody ?? '');
  return true;
}

const SETTLE_RETRY_MS = 500;

/**
 * Runs as the response leaves: stores it under the claimed key, or releases the claim after a
 * server error so the client's retry runs the request again.
 *
 * If the database is unreachable at that moment (it went away mid-request), the response still
 * goes out as it is (the work it reports is committed or rolled back already), and storing or
 * releasing is retried in the background until it lands or the claim's lock lapses. Failing the
 * response instead would turn a committed create into a 503 whose retry, once the lock lapsed,
 * created a second one; and an unreleased claim answers every retry `idempotency_key_in_use`
 * for the whole lock.
 */
export async function finishIdempotentRequest(
  request: FastifyRequest,
  statusCode: number,
  payload: unknown,
  store: IdempotencyStore,
  scope: Scope,
): Promise<void> {
  const claim = request.idempotencyClaim;
  if (!claim) return;
  request.idempotencyClaim = null;
  const settle = (): Promise<unknown> =>
    statusCode >= 500 || statusCode === 429
      ? store.release(scope, claim.key, claim.token)
      : store.complete(
          scope,
          claim.key,
          claim.token,
          statusCode,
          typeof payload === 'string' ? payload : String(payload ?? ''),
        );
  try {
    await settle();
  } catch (error) {
    request.log.warn(
      { reason: (error as Error).message },
      'idempotency key not settled; retrying in the background',
    );
    let attempts = Math.floor(LOCK_MS / SETTLE_RETRY_MS);
    const retry = (): void => {
      setTimeout(() => {
        settle().catch(() => {
          if (--attempts > 0) retry();
        });
      }, SETTLE_RETRY_MS).unref();
    };
    retry();
  }
}
