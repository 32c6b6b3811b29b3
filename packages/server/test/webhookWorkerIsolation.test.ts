import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  ensureTenant,
  newId,
  recordEvent,
  systemClock,
  type Scope,
  type Storage,
} from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, expect, it } from 'vitest';
import { startWebhookWorker, type WebhookWorker } from '../src/webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from '../src/webhooks/webhookSecrets.js';

/*
 * One receiver that never answers (a black hole: the request stays open until the worker's
 * 10 s timeout) must not hold up deliveries to everyone else. The worker keeps up to
 * `concurrency` deliveries in flight and claims more as slots free up, so a hanging delivery
 * costs one slot, not the whole process.
 */

const silent = {
  level: 'silent',
  fatal() {},
  error() {},
  warn() {},
  info() {},
  debug() {},
  trace() {},
  silent() {},
  child() {
    return silent;
  },
} as unknown as FastifyBaseLogger;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Closing the receivers first ends the hanging request, so the worker stops at once.
  await closeServers();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const servers: http.Server[] = [];
const closeServers = (): Promise<void[]> =>
  Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );

async function listen(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
}

/** A migrated SQLite storage in a temp dir (removed after the test) with one tenant's sandbox. */
async function openTenantStorage(): Promise<{
  storage: Storage;
  scope: Scope;
  box: ReturnType<typeof createWebhookSecretBox>;
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-worker-'));
  const url = `sqlite:${path.join(dir, 'keyra.db')}`;
  await migrateToLatest(url);
  const storage: Storage = await openStorage(url);
  cleanup.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const { tenant } = await ensureTenant(storage.tenants, 'acme', Date.now());
  const scope: Scope = { tenantId: tenant.id, environment: 'sandbox' };
  return { storage, scope, box: createWebhookSecretBox(randomBytes(32)) };
}

it('a receiver that never answers does not delay deliveries to other endpoints', async () => {
  const { storage, scope, box } = await openTenantStorage();

  let hanging = 0;
  const blackHole = await listen(() => {
    hanging++; // never answers
  });
  const arrivals: number[] = [];
  const healthy = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      arrivals.push(Date.now());
      res.end('ok');
    });
  });
  for (const [target, events] of [
    [blackHole, ['device.revoked']],
    [healthy, ['challenge.approved']],
  ] as const) {
    const id = newId('webhookEndpoint');
    const now = Date.now();
    await storage.webhookEndpoints.insert({
      id,
      ...scope,
      url: target,
      description: null,
      events: [...events],
      enabled: true,
      sealedSecret: box.seal(`whsec_${randomBytes(32).toString('base64')}`, id),
      sealedPreviousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
      failingSince: null,
      disabledReason: null,
      deletedAt: null,
    });
  }
  const emit = (type: string) =>
    storage.transaction((tx) => recordEvent(tx, scope, type, { n: 1 }, Date.now()));

  const worker: WebhookWorker = startWebhookWorker({
    storage,
    clock: systemClock,
    box,
    log: silent,
    dev: true,
    pollMs: 50,
  });
  cleanup.push(() => worker.stop());

  await emit('device.revoked');
  const deadline = Date.now() + 2000;
  while (hanging === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(hanging).toBe(1);

  // While that delivery hangs, events for the healthy endpoint keep flowing.
  for (let i = 0; i < 3; i++) {
    const emittedAt = Date.now();
    await emit('challenge.approved');
    while (arrivals.length <= i && Date.now() - emittedAt < 3000)
      await new Promise((r) => setTimeout(r, 10));
    expect(arrivals.length, `delivery ${i + 1} did not arrive within 3 s`).toBe(i + 1);
    expect(arrivals[i]! - emittedAt).toBeLessThan(1000);
  }
}, 20_000);

/*
 * Group commit: deliveries that finish together have their outcomes written in one write,
 * and one outcome that cannot be written does not take the others down with it: the group is
 * retried write by write, the others are recorded delivered, and the failed one stays leased
 * (its lease lapsing delivers it again).
 */
it('writes outcomes that finish together in one write; one failing write loses no other', async () => {
  const { storage, scope, box } = await openTenantStorage();
  const EVENTS = 5;
  // The receiver holds every request until all have arrived, then answers them at once.
  const held: http.ServerResponse[] = [];
  const receiver = await listen((req, res) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      if (held.length === EVENTS) for (const r of held) r.end('ok');
    });
  });
  const endpointId = newId('webhookEndpoint');
  await storage.webhookEndpoints.insert({
    id: endpointId,
    ...scope,
    url: receiver,
    description: null,
    events: ['challenge.approved'],
    enabled: true,
    sealedSecret: box.seal(`whsec_${randomBytes(32).toString('base64')}`, endpointId),
    sealedPreviousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: Date.now(),
    updatedAt: Date.now(),
    failingSince: null,
    disabledReason: null,
    deletedAt: null,
  });
  const events = [];
  for (let n = 0; n < EVENTS; n++)
    events.push(
      await storage.transaction((tx) =>
        recordEvent(tx, scope, 'challenge.approved', { n }, Date.now()),
      ),
    );
  const poisoned = events[2]!.id;

  // Each group's outcome writes, counted; the poisoned event's attempt cannot be written, and a
  // group holding it fails as a whole (like the one statement it is on PostgreSQL).
  const groups: number[] = [];
  const failing: Storage = {
    ...storage,
    webhookDeliveries: {
      ...storage.webhookDeliveries,
      recordOutcomes: async (outcomes) => {
        groups.push(outcomes.length);
        if (outcomes.some(({ attempt }) => attempt.eventId === poisoned))
          throw new Error('disk full');
        return storage.webhookDeliveries.recordOutcomes(outcomes);
      },
    },
  };
  const worker = startWebhookWorker({
    storage: failing,
    clock: systemClock,
    box,
    log: silent,
    dev: true,
    wake: false,
  });
  cleanup.push(() => worker.stop());
  expect(await worker.runOnce()).toBe(EVENTS);

  expect(Math.max(...groups), `outcomes per write: ${groups}`).toBeGreaterThan(1);
  expect(await storage.webhookDeliveries.countByStatus(scope)).toEqual({
    pending: 1,
    delivered: EVENTS - 1,
    failed: 0,
  });
  const attempts = await storage.webhookDeliveries.listAttempts(scope, endpointId, 10);
  expect(attempts.map((a) => a.eventId).sort()).toEqual(
    events
      .map((e) => e.id)
      .filter((id) => id !== poisoned)
      .sort(),
  );
  // Still leased: nothing claims it again before the lease lapses.
  expect(await storage.webhookDeliveries.claimDue(Date.now(), 10, 1000)).toEqual([]);
}, 20_000);
