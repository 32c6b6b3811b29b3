import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  KeyraError,
  recordEvent,
  redeliverEvent,
  type EventRecord,
  type Scope,
} from '../../src/index.js';
import { openTestStorage, T0, type TestStorage } from '../helpers/openTestStorage.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyraError) return error.code;
    throw error;
  }
  throw new Error('expected a KeyraError');
}

describe('redeliverEvent on SQLite', () => {
  let t: TestStorage;
  let event: EventRecord;
  const SUBSCRIBED = 'we_0000000000000000000001';
  const OTHER_TYPE = 'we_0000000000000000000002';
  const DISABLED = 'we_0000000000000000000003';

  const endpoint = async (scope: Scope, id: string, events: string[], enabled = true) => {
    await t.storage.webhookEndpoints.insert({
      id,
      tenantId: scope.tenantId,
      environment: scope.environment,
      url: 'https://hooks.example.com/',
      description: null,
      events,
      enabled,
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
  /** Claims every due delivery for a year (so it is not due again here): [eventId, endpointId] pairs. */
  const drain = async (now: number): Promise<string[][]> =>
    (await t.storage.webhookDeliveries.claimDue(now, 100, 365 * 86_400_000))
      .map((d) => [d.eventId, d.endpointId ?? ''])
      .sort();

  beforeEach(async () => {
    t = await openTestStorage();
    await endpoint(t.scope, SUBSCRIBED, ['device.revoked']);
    await endpoint(t.scope, OTHER_TYPE, ['challenge.approved']);
    await endpoint(t.scope, DISABLED, ['*'], false);
    event = await t.storage.transaction((tx) =>
      recordEvent(tx, t.scope, 'device.revoked', { deviceId: 'dev_1' }, T0),
    );
    expect(await drain(T0)).toEqual([[event.id, SUBSCRIBED]]);
  });
  afterEach(async () => {
    await t.storage.close();
  });

  it('queues the event again for its enabled subscribers, due now', async () => {
    const now = T0 + 3600_000;
    expect(await redeliverEvent(t.scope, event.id, {}, { storage: t.storage, now })).toEqual({
      eventId: event.id,
      deliveries: 1,
    });
    expect(await drain(now - 1)).toEqual([]);
    expect(await drain(now)).toEqual([[event.id, SUBSCRIBED]]);
  });

  it('queues it for one named endpoint, even one not subscribed to its type', async () => {
    const result = await redeliverEvent(
      t.scope,
      event.id,
      { endpointId: OTHER_TYPE },
      { storage: t.storage, now: T0 },
    );
    expect(result.deliveries).toBe(1);
    expect(await drain(T0)).toEqual([[event.id, OTHER_TYPE]]);
  });

  it('refuses a disabled endpoint and queues nothing', async () => {
    const refused = redeliverEvent(
      t.scope,
      event.id,
      { endpointId: DISABLED },
      { storage: t.storage, now: T0 },
    );
    await expect(refused).rejects.toMatchObject({
      code: 'validation_failed',
      details: [{ field: 'endpointId', issue: 'endpoint_disabled' }],
    });
    expect(await drain(T0)).toEqual([]);
  });

  it("treats another tenant's event or endpoint as absent", async () => {
    const other = await t.storage.transaction((tx) =>
      recordEvent(tx, t.otherTenant, 'device.revoked', {}, T0),
    );
    await endpoint(t.otherTenant, 'we_0000000000000000000009', ['*']);
    const foreignEvent = redeliverEvent(t.scope, other.id, {}, { storage: t.storage, now: T0 });
    expect(await codeOf(foreignEvent)).toBe('event_not_found');
    const foreignEndpoint = redeliverEvent(
      t.scope,
      event.id,
      { endpointId: 'we_0000000000000000000009' },
      { storage: t.storage, now: T0 },
    );
    expect(await codeOf(foreignEndpoint)).toBe('webhook_endpoint_not_found');
    expect(await codeOf(redeliverEvent(t.scope, 'evt_', {}, { storage: t.storage, now: T0 }))).toBe(
      'invalid_id',
    );
    expect(await drain(T0)).toEqual([]);
  });
});
