import type { DeviceRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import { readClientData, responseCredentialId } from './clientData.js';
import type { DeviceTrust, RelyingParty } from './relyingParty.js';
import { verifyAssertion } from './verifyAssertion.js';
import { disableDevice } from '../devices/disableDevice.js';

/**
 * Finishes a sign-in ceremony started by `startAuthentication` without a challenge id: the
 * assertion must answer the remembered challenge (once), come from one of the user's active
 * devices, and pass every check of {@link verifyAssertion}.
 */
export async function finishAuthentication(
  storage: Storage,
  rp: RelyingParty,
  trust: DeviceTrust,
  scope: Scope,
  input: { userId: string; response: unknown },
  now: EpochMs,
): Promise<DeviceRecord> {
  const refuse = (message: string): never => {
    throw new KeyraError('attestation_invalid', message);
  };
  const clientData = readClientData(input.response);
  const device = await storage.devices.findByCredentialId(
    scope,
    responseCredentialId(input.response),
  );
  if (!device || device.userId !== input.userId) {
    throw new KeyraError(
      'device_not_found',
      `No paired device with this credential for user ${input.userId}.`,
    );
  }
  if (device.revokedAt !== null || device.disabledAt !== null)
    refuse(`Device ${device.id} can no longer sign in.`);
  const ceremony = await storage.ceremonies.consume(
    scope,
    clientData.challenge,
    'authentication',
    now,
  );
  if (!ceremony || ceremony.userId !== input.userId)
    refuse('Unknown, expired or already used sign-in challenge.');
  const result = await verifyAssertion(device, input.response, clientData.challenge, rp, trust);
  if (result.outcome === 'counter_regression') {
    await disableDevice(storage, scope, device.id, 'counter_regression', now);
    refuse(
      `Device ${device.id}'s signature counter went backwards: it may have been cloned and is now disabled.`,
    );
  }
  if (
    !(await storage.devices.recordUse(scope, device.id, device.signCount, result.newCounter, now))
  ) {
    refuse(`Device ${device.id}'s signature counter was already used.`);
  }
  return { ...device, signCount: result.newCounter, lastUsedAt: now };
}
