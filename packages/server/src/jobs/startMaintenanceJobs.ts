import {
  checkpointAuditHeads,
  expireChallenges,
  type AuditCheckpointSigner,
  type AuditCheckpointStamping,
  type Clock,
  type Storage,
} from '@keyra/core';
import type { FastifyBaseLogger } from 'fastify';

export interface BackgroundJob {
  /** Stops scheduling and waits for a run in flight. */
  stop(): Promise<void>;
}

export interface MaintenanceOptions {
  /** How often overdue challenges are marked expired. */
  expirySweepIntervalMs: number;
  /** Idempotency records older than this are deleted (hourly). */
  idempotencyRetentionMs: number;
  /** Signs each moved audit chain head this often (0 = never, only `POST /v1/audit/checkpoints`). */
  auditCheckpoints?: {
    intervalMs: number;
    signer: AuditCheckpointSigner;
    stamping?: AuditCheckpointStamping | null;
  };
}

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const AUDIT_SEAL_SWEEP_MS = 10_000;

/**
 * Periodic upkeep every instance runs: the expiry sweep (each overdue challenge is handed to
 * exactly one instance by the store's conditional update) and the hourly purge of expired
 * idempotency records, console WebAuthn ceremonies, and the audit checkpoints (each tenant's moved
 * chain head signed), and every 10 s the sealing of audit entries and usage records left pending
 * by a process that stopped between a commit and its seal (PostgreSQL). A failed run is logged and retried on the
 * next tick.
 */
export function startMaintenanceJobs(
  storage: Storage,
  clock: Clock,
  options: MaintenanceOptions,
  log: FastifyBaseLogger,
): BackgroundJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastPurge = 0;
  let lastCheckpoint = clock.now();
  let lastSeal = 0;
  const tick = async (): Promise<void> => {
    const now = clock.now();
    try {
      const expired = await expireChallenges(storage, now);
      if (expired > 0) log.info({ count: expired }, 'challenges expired');
    } catch (error) {
      log.error({ reason: (error as Error).message }, 'expiry sweep failed; will retry');
    }
    if (now - lastPurge >= PURGE_INTERVAL_MS) {
      lastPurge = now;
      try {
        const purged = await storage.idempotency.purgeCreatedBefore(
          now - options.idempotencyRetentionMs,
        );
        if (purged > 0) log.info({ count: purged }, 'idempotency records purged');
      } catch (error) {
        log.error({ reason: (error as Error).message }, 'idempotency purge failed; will retry');
      }
      try {
        await storage.console.purgeCeremoniesBefore(now);
      } catch (error) {
        log.error(
          { reason: (error as Error).message },
          'console ceremony purge failed; will retry',
        );
      }
    }
    if (now - lastSeal >= AUDIT_SEAL_SWEEP_MS) {
      lastSeal = now;
      try {
        await storage.audit.sealPending();
        await storage.usage.billPending();
      } catch (error) {
        log.error({ reason: (error as Error).message }, 'sealing failed; will retry');
      }
    }
    const checkpoints = options.auditCheckpoints;
    if (
      checkpoints &&
      checkpoints.intervalMs > 0 &&
      now - lastCheckpoint >= checkpoints.intervalMs
    ) {
      lastCheckpoint = now;
      try {
        const created = await checkpointAuditHeads({
          audit: storage.audit,
          signer: checkpoints.signer,
          stamping: checkpoints.stamping ?? null,
          now,
        });
        if (created.length > 0) log.info({ count: created.length }, 'audit checkpoints signed');
      } catch (error) {
        log.error({ reason: (error as Error).message }, 'audit checkpoint failed; will retry');
      }
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = tick().finally(() => {
      running = null;
    });
  }, options.expirySweepIntervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
