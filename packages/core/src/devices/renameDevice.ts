import type { DeviceRecord, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { DeviceStore } from '../ports.js';

export interface RenameDeviceInput {
  name: string;
}

export interface RenameDeviceDeps {
  store: DeviceStore;
}

/**
 * Renames a paired device or passkey. Checks: the device exists in this tenant and environment and
 * is not revoked (404 `device_not_found` otherwise). One write; no event.
 */
export async function renameDevice(
  scope: Scope,
  deviceId: string,
  input: RenameDeviceInput,
  deps: RenameDeviceDeps,
): Promise<DeviceRecord> {
  const device = await deps.store.rename(scope, deviceId, input.name);
  if (!device)
    throw new KeyraError('device_not_found', `No active device ${deviceId} in this environment.`);
  return device;
}
