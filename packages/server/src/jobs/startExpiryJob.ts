import { expireChallenges, type Clock, type Storage } from '@keyra/core';
import type { FastifyBaseLogger } from 'fastify';

export interface BackgroundJob {
  /** Stops scheduling and waits for a sweep in flight. */
  stop(): Promise<void>;
}

/**
 * Periodically marks overdue pending challenges expired. Every instance runs it; the store's
 * conditional update hands each row to exactly one of them.
 */
export function startExpiryJob(
  storage: Storage,
  clock: Clock,
  intervalMs: number,
  log: FastifyBaseLogger,
): BackgroundJob {
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweep = async (): Promise<void> => {
    try {
      const expired = await expireChallenges(storage.challenges, clock.now());
      if (expired.length > 0) log.info({ count: expired.length }, 'challenges expired');
    } catch (error) {
      log.error({ reason: (error as Error).message }, 'expiry sweep failed; will retry');
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = sweep().finally(() => {
      running = null;
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
