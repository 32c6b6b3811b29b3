import { formatTimestamp, type DeviceRecord } from '@keyra/core';
import type { Device } from '@keyra/contract';

/** The API form of a device or passkey. */
export function deviceJson(device: DeviceRecord): Device {
  return {
    deviceId: device.id,
    userId: device.userId,
    kind: device.kind,
    name: device.name,
    aaguid: device.aaguid,
    attestation: {
      format: device.attestationFormat,
      trusted: device.attestationTrusted,
      rootFingerprint: device.rootFingerprint,
    },
    signCount: device.signCount,
    status:
      device.revokedAt !== null ? 'revoked' : device.disabledAt !== null ? 'disabled' : 'active',
    disabledReason: device.disabledReason,
    createdAt: formatTimestamp(device.createdAt),
    lastUsedAt: device.lastUsedAt === null ? null : formatTimestamp(device.lastUsedAt),
    revokedAt: device.revokedAt === null ? null : formatTimestamp(device.revokedAt),
  };
}
