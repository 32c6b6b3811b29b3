import type { WebhookDeliveryRecord } from '@keyra/core';
import pg from 'pg';
import { expect, it } from 'vitest';
import type { DatabaseStorage } from '../src/index.js';

/*
 * `watchDeliveries` is the webhook worker's wake-up. It must fire only once the deliveries are
 * committed (a worker woken earlier would look for rows it cannot see yet, then sleep), never for
 * a rolled-back transaction, and on PostgreSQL also in other processes on the same database.
 */

const T0 = 1_700_000_000_000;

function delivery(id: string): WebhookDeliveryRecord {
  return {
    id,
    tenantId: 'tnt_a',
    environment: 'sandbox',
    eventId: 'evt_1',
    endpointId: 'we_1',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: T0,
    leaseUntil: null,
    lastStatusCode: null,
    createdAt: T0,
    deliveredAt: null,
  };
}

async function withEndpointAndEvent(storage: DatabaseStorage): Promise<void> {
  await storage.webhookEndpoints.insert({
    id: 'we_1',
    tenantId: 'tnt_a',
    environment: 'sandbox',
    url: 'https://example.com/hook',
    description: null,
    events: ['*'],
    enabled: true,
    sealedSecret: 'v1.a.b',
    sealedPreviousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: T0,
    updatedAt: T0,
    failingSince: null,
    disabledReason: null,
    deletedAt: null,
  });
  await storage.events.insert({
    id: 'evt_1',
    tenantId: 'tnt_a',
    environment: 'sandbox',
    type: 'challenge.approved',
    data: {},
    createdAt: T0,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(10);
  }
}

/** Counts a storage's wake-ups; on PostgreSQL first waits for its LISTEN to be in place. */
async function watch(
  storage: DatabaseStorage,
): Promise<{ count: () => number; reset: () => void; stop: () => void }> {
  let count = 0;
  const stop = storage.watchDeliveries(() => count++);
  // The listener signals once when its LISTEN is in place (for what it may have missed).
  if (storage.kind === 'postgres') await until(() => count > 0, 'the LISTEN connection is up');
  count = 0;
  return { count: () => count, reset: () => (count = 0), stop };
}

export function deliverySignalsContract(
  setup: () => Promise<{ url: string; storage: DatabaseStorage }>,
  open: (url: string) => Promise<DatabaseStorage>,
  kind: 'sqlite' | 'postgres',
): void {
  it('signals after the commit that queued deliveries, never before it, never on rollback', async () => {
    const { storage } = await setup();
    await withEndpointAndEvent(storage);
    const signals = await watch(storage);
    const signalsPerCommit = kind === 'postgres' ? 2 : 1;

    await storage.transaction(async (tx) => {
      await tx.webhookDeliveries.insertMany([delivery('whd_1')]);
      await sleep(100); // a NOTIFY would have had time to arrive, had it been sent already
      expect(signals.count(), 'signalled before the commit').toBe(0);
    });
    expect(signals.count(), 'the in-process signal comes with the commit').toBeGreaterThan(0);
    // On PostgreSQL the NOTIFY follows through the LISTEN connection.
    await until(() => signals.count() >= signalsPerCommit, 'the NOTIFY arrives');

    signals.reset();
    await expect(
      storage.transaction(async (tx) => {
        await tx.webhookDeliveries.insertMany([delivery('whd_2')]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await sleep(200);
    expect(signals.count(), 'signalled for a rolled-back transaction').toBe(0);

    // Outside a transaction the insert commits on its own.
    await storage.webhookDeliveries.insertMany([delivery('whd_3')]);
    expect(signals.count()).toBeGreaterThan(0);
    await until(() => signals.count() >= signalsPerCommit, 'the NOTIFY arrives');

    // Transactions that queue nothing stay silent.
    signals.reset();
    await storage.transaction((tx) =>
      tx.events.find({ tenantId: 'tnt_a', environment: 'sandbox' }, 'evt_1'),
    );
    await sleep(200);
    expect(signals.count()).toBe(0);

    signals.stop();
    await storage.webhookDeliveries.insertMany([delivery('whd_4')]);
    await sleep(200);
    expect(signals.count(), 'signalled after unwatching').toBe(0);
  });

  it.runIf(kind === 'postgres')(
    'PostgreSQL only: wakes other instances through NOTIFY, and listens again after losing its connection',
    async () => {
      const { url, storage: a } = await setup();
      await withEndpointAndEvent(a);
      const b = await open(url);
      const signals = await watch(b);

      await a.transaction((tx) => tx.webhookDeliveries.insertMany([delivery('whd_1')]));
      await until(() => signals.count() > 0, "B hears A's commit");

      // Kill B's LISTEN session from the server side, as a failover or a restart would.
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const killed = await admin.query(
          "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and query = 'listen keyra_webhooks' and pid <> pg_backend_pid()",
        );
        expect(killed.rowCount).toBe(1);
        signals.reset();
        // Back on LISTEN, the listener signals once for whatever it may have missed meanwhile.
        await until(() => signals.count() > 0, 'B reconnects');
        const listening = await admin.query(
          "select pid from pg_stat_activity where datname = current_database() and query = 'listen keyra_webhooks'",
        );
        expect(listening.rowCount).toBe(1);
      } finally {
        await admin.end();
      }

      signals.reset();
      await a.transaction((tx) => tx.webhookDeliveries.insertMany([delivery('whd_2')]));
      await until(() => signals.count() > 0, "B hears A's commit after reconnecting");
      signals.stop();
    },
  );
}
