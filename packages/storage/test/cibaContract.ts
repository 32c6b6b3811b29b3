import type {
  CibaRequestRecord,
  OAuthClientRecord,
  Scope,
  WebhookEndpointRecord,
} from '@keyra/core';
import { expect, it } from 'vitest';
import { Migrator, sql } from 'kysely';
import type { DatabaseStorage, OpenStorageOptions } from '../src/index.js';
import { connectDatabase } from '../src/internal/connectDatabase.js';
import { MIGRATIONS } from '../src/internal/migrations/migrations.js';

const T0 = 1_700_000_000_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

function client(overrides: Partial<OAuthClientRecord> & { id: string }): OAuthClientRecord {
  return {
    tenantId: A.tenantId,
    environment: A.environment,
    name: 'Agent',
    secretHash: 'ab'.repeat(32),
    deliveryMode: 'poll',
    notifyUrl: null,
    createdAt: T0,
    revokedAt: null,
    ...overrides,
  };
}

function request(
  overrides: Partial<CibaRequestRecord> & { handleHash: string },
): CibaRequestRecord {
  return {
    tenantId: A.tenantId,
    environment: A.environment,
    challengeId: 'chl_1',
    clientId: 'cli_1',
    scope: 'openid',
    sealedNotificationToken: null,
    sealedAuthReqId: null,
    intervalSeconds: 5,
    lastPolledAt: null,
    tokensIssuedAt: null,
    createdAt: T0,
    expiresAt: T0 + 300_000,
    ...overrides,
  };
}

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;
type EmptyDatabase = () => Promise<string>;
type Open = (url: string, options?: OpenStorageOptions) => Promise<DatabaseStorage>;

async function withChallenge(
  storage: DatabaseStorage,
  id: string,
  scope: Scope = A,
): Promise<void> {
  await storage.challenges.insert({
    id,
    ...scope,
    action: 'payment.approve',
    userId: 'user_1',
    payload: {},
    digest: 'cd'.repeat(32),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 300_000,
    decidedAt: null,
    deviceId: null,
    method: null,
    proof: null,
    stampRequested: false,
    stampId: null,
    bindingMessage: 'ABCD-1234',
    audience: 'cli_payments',
    metadata: {},
  });
}

/** OAuth clients and CIBA requests: hashed secrets and handles, poll pacing, tokens exactly once. */
export function cibaContract(setup: Setup, open: Open, emptyDatabase: EmptyDatabase): void {
  it('0006 keeps the webhook deliveries and attempts of a database at 0005', async () => {
    const url = await emptyDatabase();
    const { db } = await connectDatabase(url);
    try {
      const upTo0005 = Object.fromEntries(
        Object.entries(MIGRATIONS).filter(([name]) => name < '0006'),
      );
      const migrator = new Migrator({ db, provider: { getMigrations: async () => upTo0005 } });
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      await sql`insert into tenants (id, name, created_at) values ('tnt_a', 'A', 1)`.execute(db);
      await sql`insert into events (id, tenant_id, environment, type, data, created_at) values ('evt_1', 'tnt_a', 'sandbox', 'challenge.approved', '{}', 1)`.execute(
        db,
      );
      await sql`insert into webhook_endpoints (id, tenant_id, environment, url, events, enabled, sealed_secret, created_at, updated_at) values ('we_1', 'tnt_a', 'sandbox', 'https://h.example', '["*"]', 1, 'v1.a.b', 1, 1)`.execute(
        db,
      );
      await sql`insert into webhook_deliveries (id, tenant_id, environment, event_id, endpoint_id, status, attempts, next_attempt_at, created_at) values ('whd_1', 'tnt_a', 'sandbox', 'evt_1', 'we_1', 'pending', 1, 5, 1)`.execute(
        db,
      );
      await sql`insert into webhook_attempts (id, delivery_id, tenant_id, environment, endpoint_id, event_id, attempt, started_at, latency_ms) values ('wha_1', 'whd_1', 'tnt_a', 'sandbox', 'we_1', 'evt_1', 1, 2, 3)`.execute(
        db,
      );
    } finally {
      await db.destroy();
    }
    const storage = await open(url);
    await storage.migrate();
    const claimed = await storage.webhookDeliveries.claimDue(10, 10, 1000);
    expect(claimed).toMatchObject([
      { id: 'whd_1', endpointId: 'we_1', cibaHandleHash: null, attempts: 1 },
    ]);
    expect(await storage.webhookDeliveries.listAttempts(A, 'we_1', 10)).toMatchObject([
      { id: 'wha_1', deliveryId: 'whd_1', latencyMs: 3 },
    ]);
  });

  it('stores clients, finds one by id alone, lists a tenant newest first and revokes once', async () => {
    const { storage } = await setup();
    const first = client({ id: 'cli_1' });
    const second = client({
      id: 'cli_2',
      createdAt: T0 + 1,
      deliveryMode: 'ping',
      notifyUrl: 'https://client.example/cb',
      environment: 'production',
    });
    await storage.oauthClients.insert(first);
    await storage.oauthClients.insert(second);
    await storage.oauthClients.insert(client({ id: 'cli_b', tenantId: B.tenantId }));
    expect(await storage.oauthClients.locate('cli_2')).toEqual(second);
    expect(await storage.oauthClients.locate('cli_missing')).toBeNull();
    expect(await storage.oauthClients.listForTenant('tnt_a')).toEqual([second, first]);
    expect(await storage.oauthClients.listForTenant('tnt_a', 'sandbox')).toEqual([first]);
    expect(await storage.oauthClients.revoke('cli_1', T0 + 5)).toBe(true);
    expect(await storage.oauthClients.revoke('cli_1', T0 + 6)).toBe(false);
    expect(await storage.oauthClients.revoke('cli_missing', T0 + 6)).toBe(false);
    expect((await storage.oauthClients.locate('cli_1'))?.revokedAt).toBe(T0 + 5);
  });

  it('refuses a delivery mode outside poll, ping and push', async () => {
    const { storage } = await setup();
    await expect(
      storage.oauthClients.insert(
        client({
          id: 'cli_bad',
          deliveryMode: 'carrier-pigeon' as OAuthClientRecord['deliveryMode'],
        }),
      ),
    ).rejects.toThrow();
  });

  it('stores a request by its handle hash, one per challenge, and the challenge its binding message', async () => {
    const { storage } = await setup();
    await storage.oauthClients.insert(client({ id: 'cli_1' }));
    await withChallenge(storage, 'chl_1');
    const record = request({ handleHash: 'h1', sealedNotificationToken: 'v1.x.y' });
    await storage.cibaRequests.insert(record);
    expect(await storage.cibaRequests.findByHandle('h1')).toEqual(record);
    expect(await storage.cibaRequests.findByHandle('h2')).toBeNull();
    expect(await storage.cibaRequests.findByChallenge(A, 'chl_1')).toEqual(record);
    // Scoped: another tenant does not find it.
    expect(await storage.cibaRequests.findByChallenge(B, 'chl_1')).toBeNull();
    expect((await storage.challenges.find(A, 'chl_1'))?.bindingMessage).toBe('ABCD-1234');
    await expect(storage.cibaRequests.insert(request({ handleHash: 'h2' }))).rejects.toThrow();
  });

  it('events.insertRouted writes the event and reads its routes in its own scope only', async () => {
    const { storage } = await setup();
    const endpoint = (
      id: string,
      overrides: Partial<WebhookEndpointRecord> = {},
    ): WebhookEndpointRecord => ({
      id,
      ...A,
      url: `https://${id}.example/hook`,
      description: 'it\'s \\ "quoted" \u2603',
      events: ['challenge.approved'],
      enabled: true,
      sealedSecret: 'v1.a.b',
      sealedPreviousSecret: 'v1.c.d',
      previousSecretExpiresAt: T0 + 1,
      createdAt: T0,
      updatedAt: T0 + 2,
      failingSince: T0 + 3,
      disabledReason: null,
      deletedAt: null,
      ...overrides,
    });
    const subscribed = endpoint('we_1');
    await storage.webhookEndpoints.insert(subscribed);
    await storage.webhookEndpoints.insert(endpoint('we_2', { events: ['*'], description: null }));
    await storage.webhookEndpoints.insert(endpoint('we_3', { events: ['device.paired'] }));
    await storage.webhookEndpoints.insert(endpoint('we_4', { enabled: false }));
    await storage.webhookEndpoints.insert(endpoint('we_5', { ...B }));
    await storage.webhookEndpoints.insert(endpoint('we_6'));
    await storage.webhookEndpoints.delete(A, 'we_6', T0 + 4);
    await storage.oauthClients.insert(client({ id: 'cli_1' }));
    await withChallenge(storage, 'chl_1');
    await withChallenge(storage, 'chl_b', B);
    const ciba = request({ handleHash: 'h1', sealedNotificationToken: 'v1.x.y' });
    await storage.cibaRequests.insert(ciba);
    await storage.cibaRequests.insert(request({ handleHash: 'h2', ...B, challengeId: 'chl_b' }));

    const event = {
      id: 'evt_1',
      ...A,
      type: 'challenge.approved',
      data: { challengeId: 'chl_1', note: 'é ✓' },
      createdAt: T0 + 5,
    };
    const routes = await storage.events.insertRouted(event, 'chl_1');
    expect(routes.endpoints.map((e) => e.id).sort()).toEqual(['we_1', 'we_2']);
    expect(routes.endpoints.find((e) => e.id === 'we_1')).toEqual(subscribed);
    expect(routes.cibaRequest).toEqual(ciba);
    expect(await storage.events.find(A, 'evt_1')).toEqual(event);

    // No challenge asked about, and another tenant's challenge: no CIBA request.
    const other = { ...event, id: 'evt_2', type: 'device.paired' };
    const second = await storage.events.insertRouted(other, null);
    expect(second.endpoints.map((e) => e.id).sort()).toEqual(['we_2', 'we_3']);
    expect(second.cibaRequest).toBeNull();
    expect(
      (await storage.events.insertRouted({ ...event, id: 'evt_3' }, 'chl_b')).cibaRequest,
    ).toBeNull();
    // A duplicate event id fails and routes nothing.
    await expect(storage.events.insertRouted(event, 'chl_1')).rejects.toThrow();
  });

  it('recordPoll lets one poll per interval through', async () => {
    const { storage } = await setup();
    await storage.oauthClients.insert(client({ id: 'cli_1' }));
    await withChallenge(storage, 'chl_1');
    await storage.cibaRequests.insert(request({ handleHash: 'h1', intervalSeconds: 5 }));
    expect(await storage.cibaRequests.recordPoll('h1', T0)).toBe(true);
    expect(await storage.cibaRequests.recordPoll('h1', T0 + 4_999)).toBe(false);
    expect((await storage.cibaRequests.findByHandle('h1'))?.lastPolledAt).toBe(T0);
    expect(await storage.cibaRequests.recordPoll('h1', T0 + 5_000)).toBe(true);
    expect(await storage.cibaRequests.recordPoll('h_missing', T0)).toBe(false);
  });

  it('markTokensIssued: 20 concurrent attempts from two connections, exactly one winner', async () => {
    const { url, storage } = await setup();
    const other = await open(url);
    await storage.oauthClients.insert(client({ id: 'cli_1' }));
    await withChallenge(storage, 'chl_1');
    await storage.cibaRequests.insert(request({ handleHash: 'h1' }));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? storage : other).cibaRequests.markTokensIssued('h1', T0 + i),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await storage.cibaRequests.findByHandle('h1'))?.tokensIssuedAt).not.toBeNull();
    expect(await storage.cibaRequests.markTokensIssued('h1', T0 + 99)).toBe(false);
  });

  it('recordPoll: concurrent polls inside one interval, exactly one answered', async () => {
    const { url, storage } = await setup();
    const other = await open(url);
    await storage.oauthClients.insert(client({ id: 'cli_1' }));
    await withChallenge(storage, 'chl_1');
    await storage.cibaRequests.insert(request({ handleHash: 'h1' }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? storage : other).cibaRequests.recordPoll('h1', T0 + i),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('a webhook delivery may target a CIBA request instead of an endpoint, never both or neither', async () => {
    const { storage } = await setup();
    await storage.oauthClients.insert(
      client({ id: 'cli_1', deliveryMode: 'ping', notifyUrl: 'https://c.example/cb' }),
    );
    await withChallenge(storage, 'chl_1');
    await storage.cibaRequests.insert(
      request({ handleHash: 'h1', sealedNotificationToken: 'v1.a.b', sealedAuthReqId: 'v1.c.d' }),
    );
    await storage.events.insert({
      id: 'evt_1',
      ...A,
      type: 'challenge.approved',
      data: { challengeId: 'chl_1' },
      createdAt: T0,
    });
    const delivery = {
      id: 'whd_1',
      ...A,
      eventId: 'evt_1',
      endpointId: null,
      cibaHandleHash: 'h1',
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: T0,
      leaseUntil: null,
      lastStatusCode: null,
      createdAt: T0,
      deliveredAt: null,
    };
    await storage.webhookDeliveries.insertMany([delivery]);
    expect(await storage.webhookDeliveries.claimDue(T0, 10, 1000)).toEqual([
      { ...delivery, leaseUntil: T0 + 1000 },
    ]);
    await expect(
      storage.webhookDeliveries.insertMany([{ ...delivery, id: 'whd_2', cibaHandleHash: null }]),
    ).rejects.toThrow();
    await expect(
      storage.webhookDeliveries.insertMany([
        { ...delivery, id: 'whd_3', cibaHandleHash: 'h_missing' },
      ]),
    ).rejects.toThrow();
  });
}
