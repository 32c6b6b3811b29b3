import { EventEmitter } from 'node:events';
import { challengeApprovers, type ChallengeRecord } from '@keyra/core';

/**
 * Wakes long-polling devices on this instance when a challenge is created for their user. Other
 * instances' challenges are found by the poll's periodic database check.
 */
export interface ChallengeNotifier {
  notify(tenantId: string, environment: string, userId: string): void;
  /** Resolves on the next notification for this user, or after `timeoutMs`, or when `signal` aborts. */
  wait(
    tenantId: string,
    environment: string,
    userId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<void>;
}

export function createChallengeNotifier(): ChallengeNotifier {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const topic = (tenantId: string, environment: string, userId: string): string =>
    `${tenantId}\n${environment}\n${userId}`;
  return {
    notify(tenantId, environment, userId) {
      emitter.emit(topic(tenantId, environment, userId));
    },
    wait(tenantId, environment, userId, timeoutMs, signal) {
      return new Promise((resolve) => {
        const name = topic(tenantId, environment, userId);
        const done = (): void => {
          clearTimeout(timer);
          emitter.off(name, done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        emitter.once(name, done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}

/** Wakes the devices of every human who may answer `challenge` (one user, or each approver). */
export function notifyApprovers(notifier: ChallengeNotifier, challenge: ChallengeRecord): void {
  for (const userId of challengeApprovers(challenge)) {
    notifier.notify(challenge.tenantId, challenge.environment, userId);
  }
}
