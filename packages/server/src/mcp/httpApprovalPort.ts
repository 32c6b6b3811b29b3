import { setTimeout as delay } from 'node:timers/promises';
import { APIError, ConnectionError, Keyra, RateLimitError, type KeyraOptions } from '@keyra/sdk';
import type { Clock } from '@keyra/core';
import type { ApprovalPort } from './approvalPort.js';

export interface HttpApprovalPortOptions extends KeyraOptions {
  apiKey: string;
  clock: Clock;
  pollIntervalMs?: number;
}

/** Backoff between reads of a server that cannot be reached: 0.5 s doubling to 5 s. */
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * The MCP tools' port for `keyra mcp` (stdio): KEYRA's REST API through `@keyra/sdk`. Reads made
 * while waiting survive a KEYRA restart: connection errors, 429 and 5xx are retried with backoff
 * until `retryUntil` (past the challenge's expiry).
 */
export function createHttpApprovalPort(options: HttpApprovalPortOptions): ApprovalPort {
  const { clock, pollIntervalMs, ...sdkOptions } = options;
  const keyra = new Keyra(sdkOptions);
  const env = options.apiKey.startsWith('sk_live_') ? 'production' : 'sandbox';
  return {
    pollIntervalMs: pollIntervalMs ?? 1_000,
    async create(request, signal) {
      const created = await keyra.challenges.create(request, signal ? { signal } : undefined);
      return { id: created.id, expiresAt: created.expiresAt };
    },
    async get(id, { signal, retryUntil } = {}) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await keyra.challenges.retrieve(id, signal ? { signal } : undefined);
        } catch (error) {
          signal?.throwIfAborted();
          const retryable =
            error instanceof ConnectionError ||
            error instanceof RateLimitError ||
            (error instanceof APIError && (error.status ?? 0) >= 500);
          if (!retryable || retryUntil === undefined || clock.now() >= retryUntil) throw error;
          const wait = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempt);
          await delay(wait, undefined, signal ? { signal } : undefined);
        }
      }
    },
    async cancel(id) {
      await keyra.challenges.cancel(id);
    },
    verifyProof(proof, expected) {
      return keyra.proofs.verify(proof, { env, ...expected });
    },
  };
}
