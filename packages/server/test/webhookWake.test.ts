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
  type SecretBox,
  type Storage,
} from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
} from '../../storage/test/postgresTestDatabase.js';
import { startWebhookWorker } from '../src/webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from '../src/webhooks/webhookSecrets.js';

/*
 * The worker sleeps until the storage says deliveries were committed. Every worker here polls
 * only once a minute, so a delivery within the few seconds the tests wait can only come from the
 * wake-up: in process (the commit of this process's transaction) or, on PostgreSQL, from another
 * instance's commit through NOTIFY.
 */

const POLL_MS = 60_000;
const WAIT_MS = 5000;
const skipPostgres = await shouldSkipPostgres();

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
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback receiver recording the event ids it gets. */
async function receiver(): Promise<{ url: string; arrivals: string[] }> {
  const arrivals: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      arrivals.push((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, arrivals };
}

async function prepare(storage: Storage, url: string): Promise<{ scope: Scope; box: SecretBox }> {
  const { tenant } = await ensureTenant(storage.tenants, 'acme', Date.now());
  const scope: Scope = { tenantId: tenant.id, environment: 'sandbox' };
  const box = createWebhookSecretBox(randomBytes(32));
  const id = newId('webhookEndpoint');
  const now = Date.now();
  await storage.webhookEndpoints.insert({
    id,
    ...scope,
    url,
    description: null,
    events: ['*'],
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
  return { scope, box };
}

async function sqliteStorage(): Promise<Storage> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-wake-'));
  const url = `sqlite:${path.join(dir, 'keyra.db')}`;
  await migrateToLatest(url);
  const storage = await openStorage(url);
  cleanup.push(async () => {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return storage;
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

describe('the webhook worker is woken by the commit', () => {
  for (const wake of [true, false]) {
    it(`SQLite, in process: ${wake ? 'delivers at once' : 'with the wake-up off, waits for the poll'}`, async () => {
      const storage = await sqliteStorage();
      const target = await receiver();
      const { scope, box } = await prepare(storage, target.url);
      const worker = startWebhookWorker({
        storage,
        clock: systemClock,
        box,
        log: silent,
        dev: true,
        pollMs: POLL_MS,
        wake,
      });
      cleanup.push(() => worker.stop());
      await sleep(200); // the worker's first pass, which finds nothing, is over

      const event = await storage.transaction((tx) =>
        recordEvent(tx, scope, 'device.revoked', { n: 1 }, Date.now()),
      );
      const arrived = await waitFor(() => target.arrivals.includes(event.id), WAIT_MS);
      expect(arrived, wake ? 'not delivered without a poll' : 'delivered without a wake-up').toBe(
        wake,
      );
    });
  }

  it.skipIf(skipPostgres)(
    "PostgreSQL, across instances: B's worker delivers what A commits, after a NOTIFY",
    async () => {
      const database = await createTestPostgresDatabase();
      cleanup.push(() => database.drop());
      await migrateToLatest(database.url);
      const a = await openStorage(database.url);
      cleanup.push(() => a.close());
      const b = await openStorage(database.url);
      cleanup.push(() => b.close());
      const target = await receiver();
      const { scope, box } = await prepare(a, target.url);
      const worker = startWebhookWorker({
        storage: b,
        clock: systemClock,
        box,
        log: silent,
        dev: true,
        pollMs: POLL_MS,
      });
      cleanup.push(() => worker.stop());
      await sleep(500); // B's first pass is over and its LISTEN connection is up

      for (let i = 0; i < 3; i++) {
        const event = await a.transaction((tx) =>
          recordEvent(tx, scope, 'device.revoked', { i }, Date.now()),
        );
        expect(
          await waitFor(() => target.arrivals.includes(event.id), WAIT_MS),
          `event ${i} written by A was not delivered by B`,
        ).toBe(true);
      }
      // B also marked them delivered (its attempt commits just after the receiver answers).
      let counts = await b.webhookDeliveries.countByStatus(scope);
      for (let i = 0; i < 50 && counts.delivered < 3; i++) {
        await sleep(100);
        counts = await b.webhookDeliveries.countByStatus(scope);
      }
      expect(counts).toEqual({ pending: 0, delivered: 3, failed: 0 });
    },
  );
});
