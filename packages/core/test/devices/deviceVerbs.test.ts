import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KeyraError,
  renameDevice,
  revokeDevice,
  type DeviceRecord,
  type Scope,
  type Storage,
} from '../../src/index.js';
import { openTestStorage, T0, type TestStorage } from '../helpers/openTestStorage.js';

function device(scope: Scope, id: string): DeviceRecord {
  return {
    id,
    tenantId: scope.tenantId,
    environment: scope.environment,
    userId: 'user_1',
    kind: 'keyra_one',
    name: 'KEYRA ONE',
    credentialId: `cred-${id}`,
    publicKey: 'pQECAyYgASFYIA',
    aaguid: '00000000-0000-0000-0000-000000000000',
    signCount: 3,
    transports: ['usb'],
    attestationFormat: 'packed',
    attestationTrusted: true,
    rootFingerprint: null,
    createdAt: T0,
    lastUsedAt: null,
    revokedAt: null,
    disabledAt: null,
    disabledReason: null,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyraError) return error.code;
    throw error;
  }
  throw new Error('expected a KeyraError');
}

describe('device verbs on SQLite', () => {
  let t: TestStorage;
  const DEVICE = 'dev_0000000000000000000001';

  beforeEach(async () => {
    t = await openTestStorage();
    await t.storage.devices.insert(device(t.scope, DEVICE));
  });
  afterEach(async () => {
    await t.storage.close();
  });

  const endpointFor = async (scope: Scope, id: string): Promise<void> => {
    await t.storage.webhookEndpoints.insert({
      id,
      tenantId: scope.tenantId,
      environment: scope.environment,
      url: 'https://hooks.example.com/',
      description: null,
      events: ['device.revoked'],
      enabled: true,
      sealedSecret: 'v1.x.y',
      sealedPreviousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: T0,
      updatedAt: T0,
      failingSince: null,
      disabledReason: null,
      deletedAt: null,
    });
  };

  it('revokes a device and records device.revoked with a delivery to each subscriber', async () => {
    await endpointFor(t.scope, 'we_0000000000000000000001');
    await endpointFor(t.otherTenant, 'we_0000000000000000000002');
    const now = T0 + 5000;
    const revoked = await revokeDevice(t.scope, DEVICE, { storage: t.storage, now });
    expect(revoked).toMatchObject({ id: DEVICE, revokedAt: now });
    expect(await t.storage.devices.find(t.scope, DEVICE)).toMatchObject({ revokedAt: now });

    const events = await t.storage.events.list(t.scope, 10);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'device.revoked',
      createdAt: now,
      data: { deviceId: DEVICE, userId: 'user_1', kind: 'keyra_one' },
    });
    expect(await t.storage.events.list(t.otherTenant, 10)).toEqual([]);
    const deliveries = await t.storage.webhookDeliveries.claimDue(now, 10, 1000);
    expect(deliveries.map((d) => [d.eventId, d.endpointId])).toEqual([
      [events[0]!.id, 'we_0000000000000000000001'],
    ]);
  });

  it('revokes once: a second revoke is device_not_found and records nothing', async () => {
    await revokeDevice(t.scope, DEVICE, { storage: t.storage, now: T0 + 1 });
    const again = revokeDevice(t.scope, DEVICE, { storage: t.storage, now: T0 + 2 });
    expect(await codeOf(again)).toBe('device_not_found');
    expect(await t.storage.events.list(t.scope, 10)).toHaveLength(1);
    expect(await t.storage.devices.find(t.scope, DEVICE)).toMatchObject({ revokedAt: T0 + 1 });
  });

  it("treats another tenant's or environment's device as absent, and changes nothing", async () => {
    for (const scope of [t.otherTenant, t.otherEnvironment]) {
      expect(await codeOf(revokeDevice(scope, DEVICE, { storage: t.storage, now: T0 }))).toBe(
        'device_not_found',
      );
      const rename = renameDevice(scope, DEVICE, { name: 'mine' }, { store: t.storage.devices });
      expect(await codeOf(rename)).toBe('device_not_found');
      expect(await t.storage.events.list(scope, 10)).toEqual([]);
    }
    expect(await t.storage.devices.find(t.scope, DEVICE)).toEqual(device(t.scope, DEVICE));
    expect(await t.storage.events.list(t.scope, 10)).toEqual([]);
  });

  it('writes the revocation and its event in one transaction: no event, no revocation', async () => {
    const failingEvents: Storage = {
      ...t.storage,
      transaction: (fn) =>
        t.storage.transaction((tx) =>
          fn({
            ...tx,
            events: {
              ...tx.events,
              insertRouted: async () => {
                throw new Error('disk full');
              },
            },
          }),
        ),
    };
    await expect(
      revokeDevice(t.scope, DEVICE, { storage: failingEvents, now: T0 }),
    ).rejects.toThrow('disk full');
    expect(await t.storage.devices.find(t.scope, DEVICE)).toMatchObject({ revokedAt: null });
  });

  it('renames an active device, not a revoked one', async () => {
    const renamed = await renameDevice(
      t.scope,
      DEVICE,
      { name: 'Desk key' },
      { store: t.storage.devices },
    );
    expect(renamed).toMatchObject({ id: DEVICE, name: 'Desk key' });
    expect(await t.storage.devices.find(t.scope, DEVICE)).toMatchObject({ name: 'Desk key' });
    await revokeDevice(t.scope, DEVICE, { storage: t.storage, now: T0 });
    const rename = renameDevice(t.scope, DEVICE, { name: 'x' }, { store: t.storage.devices });
    expect(await codeOf(rename)).toBe('device_not_found');
  });
});
