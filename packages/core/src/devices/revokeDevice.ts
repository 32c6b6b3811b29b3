import type { DeviceRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface RevokeDeviceDeps {
  storage: Storage;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Revokes a paired device or passkey: it can never approve again. Checks: the device exists in
 * this tenant and environment and is not revoked yet (404 `device_not_found` otherwise, also for a
 * second revoke). The revocation and the `device.revoked` event are written in one transaction, so
 * subscribers hear of every revocation and of nothing else.
 */
export async function revokeDevice(
  scope: Scope,
  deviceId: string,
  deps: RevokeDeviceDeps,
): Promise<DeviceRecord> {
  const { now } = deps;
  const revoked = await deps.storage.transaction(async (tx) => {
    const device = await tx.devices.revoke(scope, deviceId, now);
    if (!device) return null;
    await recordEvent(
      tx,
      scope,
      'device.revoked',
      { deviceId: device.id, userId: device.userId, kind: device.kind },
      now,
      deps.random ?? systemRandom,
    );
    await appendAudit(
      tx,
      scope,
      { type: 'device.revoked', subject: device.id, data: { userId: device.userId } },
      now,
      deps.random,
    );
    return device;
  });
  if (!revoked)
    throw new KeyraError('device_not_found', `No active device ${deviceId} in this environment.`);
  return revoked;
}
