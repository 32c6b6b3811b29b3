import type { EpochMs, Scope } from '../domain.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';

/**
 * Stops trusting a device (e.g. its signature counter went backwards: it may have been cloned):
 * it can never approve or sign in again. The disable and its `device.disabled` audit entry are
 * written in one transaction.
 */
export async function disableDevice(
  storage: Pick<Storage, 'transaction'>,
  scope: Scope,
  deviceId: string,
  reason: string,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<void> {
  await storage.transaction(async (tx) => {
    await tx.devices.disable(scope, deviceId, reason, now);
    await appendAudit(
      tx,
      scope,
      { type: 'device.disabled', actor: 'system', subject: deviceId, data: { reason } },
      now,
      random,
    );
  });
}
