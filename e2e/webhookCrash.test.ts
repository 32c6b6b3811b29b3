import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage } from '@keyra/storage';
import { describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
} from '../packages/storage/test/postgresTestDatabase.js';
import { keyraApi } from './helpers/keyraApi.js';
import { runKeyra, startKeyra, waitFor, type KeyraServer } from './helpers/keyraProcess.js';
import {
  startWebhookReceiver,
  verifyKeyraSignatureIndependently,
} from './helpers/webhookReceiver.js';

/*
 * The outbox's promise under the worst crash: `kill -9` while deliveries are in flight.
 *
 * The burst: 1,000 challenges created over the API with the shortest TTL (`expiresIn: 10`) and
 * left to expire; the expiry sweep (every second) writes 1,000 `challenge.expired` events and
 * their deliveries in two transactions of 500, so the worker faces all of them at once. The
 * receiver answers 200 immediately and SIGKILLs the server from inside its request handler once
 * it has seen KILL_AT distinct events: deliveries in flight at that moment were received but
 * never marked delivered. The server restarts on the same database; every event must then arrive
 * at least once. In-flight deliveries keep their lease (60 s) and are sent again when it lapses,
 * so the test takes about 80 s per store. Duplicates are counted and printed, not hidden.
 */

const EVENTS = 1000;
const KILL_AT = 300;
const CREATE_CONCURRENCY = 25;
const skipPostgres = await shouldSkipPostgres();

interface CrashResult {
  created: number;
  seenBeforeKill: number;
  distinct: number;
  received: number;
  duplicates: number;
  burstMs: number;
  totalMs: number;
}

async function crashAndRecover(databaseUrl: string, label: string): Promise<CrashResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `keyra-webhook-crash-${label}-`));
  const env = {
    KEYRA_SECRET: randomBytes(32).toString('hex'),
    // The burst is 1,000 creations from one key and one IP in a few seconds.
    KEYRA_RATE_LIMIT_PER_KEY: '1000000',
    KEYRA_RATE_LIMIT_PER_IP: '1000000',
  };
  const args = ['--dev', '--database', databaseUrl, '--data-dir', dir];
  let server: KeyraServer | undefined;
  let killedAt: number | null = null;
  // Armed once every create has answered: on a loaded machine the burst can outlast the 10 s TTL,
  // and the first expiries are then delivered before it ends; a kill then would cut the burst.
  let armed = false;
  const seen = new Set<string>();
  const receiver = await startWebhookReceiver((request) => {
    seen.add(String(request.headers['webhook-id']));
    if (armed && killedAt === null && seen.size >= KILL_AT && server) {
      killedAt = seen.size;
      server.process.kill('SIGKILL');
    }
    return { status: 200 };
  });
  const started = Date.now();
  try {
    const created = await runKeyra(
      [
        'keys',
        'create',
        '--env',
        'sandbox',
        '--tenant',
        'crash',
        '--database',
        databaseUrl,
        '--json',
      ],
      { env },
    );
    expect(created.code, created.stderr).toBe(0);
    const key = String(JSON.parse(created.stdout).key);
    server = await startKeyra(args, { env });
    let api = keyraApi(server.url, key);

    const endpoint = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver.origin}/hooks`,
      events: ['challenge.expired'],
    });
    expect(endpoint.status).toBe(201);
    const secret = String(endpoint.body.secret);

    const burstStart = Date.now();
    const challengeIds: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CREATE_CONCURRENCY }, async () => {
        while (next < EVENTS) {
          const i = next++;
          const res = await api('POST', '/v1/challenges', {
            action: 'crash.test',
            userId: `usr_${i % 50}`,
            payload: { i },
            expiresIn: 10,
          });
          if (res.status !== 201) throw new Error(`create ${i}: ${JSON.stringify(res.body)}`);
          challengeIds.push(String(res.body.id));
        }
      }),
    );
    const burstMs = Date.now() - burstStart;
    expect(challengeIds).toHaveLength(EVENTS);
    // The last challenges expire 10 s from now, so deliveries are still to come.
    armed = true;

    // Expiry (≤ 10 s) + the sweep + the first KILL_AT deliveries.
    await waitFor(() => killedAt !== null, 30_000);
    const exitCode = await server.stop();
    expect(exitCode).toBeNull(); // killed by the signal, no exit of its own
    const seenBeforeKill = seen.size;
    expect(seenBeforeKill).toBeGreaterThanOrEqual(KILL_AT);
    expect(seenBeforeKill, 'the kill must land mid-burst').toBeLessThan(EVENTS);

    server = await startKeyra(args, { env });
    api = keyraApi(server.url, key);
    // Done when the receiver has every event AND the outbox (read beside the running server)
    // has nothing left to send: the deliveries in flight at the kill are sent again once their
    // lease lapses, even if the receiver already had them — those are the duplicates.
    const storage = await openStorage(databaseUrl);
    let counts = await storage.webhookDeliveries.countByStatus();
    try {
      const deadline = Date.now() + 80_000;
      while (seen.size < EVENTS || counts.pending > 0) {
        if (Date.now() > deadline)
          throw new Error(`not drained: ${seen.size} seen, ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        counts = await storage.webhookDeliveries.countByStatus();
      }
    } finally {
      await storage.close();
    }
    // Every delivery row is delivered, none given up.
    expect(counts).toEqual({ pending: 0, delivered: EVENTS, failed: 0 });
    await server.stop();
    server = undefined;

    // Every challenge's expiry arrived, once per event id, each one signed.
    const byId = new Map<string, string>();
    for (const r of receiver.received) {
      expect(
        verifyKeyraSignatureIndependently(r.headers['keyra-signature'], r.rawBody, secret),
      ).toBe(true);
      const event = JSON.parse(r.rawBody) as {
        id: string;
        type: string;
        data: { challengeId: string };
      };
      expect(event.type).toBe('challenge.expired');
      const previous = byId.get(event.id);
      if (previous !== undefined) expect(event.data.challengeId).toBe(previous);
      byId.set(event.id, event.data.challengeId);
    }
    expect(byId.size).toBe(EVENTS);
    expect(new Set(byId.values())).toEqual(new Set(challengeIds));

    const result: CrashResult = {
      created: challengeIds.length,
      seenBeforeKill,
      distinct: byId.size,
      received: receiver.received.length,
      duplicates: receiver.received.length - byId.size,
      burstMs,
      totalMs: Date.now() - started,
    };
    console.log(`webhook crash test (${label}): ${JSON.stringify(result)}`);
    return result;
  } finally {
    await server?.stop('SIGKILL');
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// The two stores run side by side: most of each run is waiting for a lease to lapse.
describe.concurrent('webhook delivery survives SIGKILL mid-burst', () => {
  it('SQLite: 1,000 events, kill -9 mid-delivery, restart: none lost', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-webhook-crash-db-'));
    try {
      const result = await crashAndRecover(`sqlite:${path.join(dir, 'keyra.db')}`, 'sqlite');
      expect(result.distinct).toBe(EVENTS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it.skipIf(skipPostgres)(
    'PostgreSQL: 1,000 events, kill -9 mid-delivery, restart: none lost',
    async () => {
      const database = await createTestPostgresDatabase();
      try {
        const result = await crashAndRecover(database.url, 'postgres');
        expect(result.distinct).toBe(EVENTS);
      } finally {
        await database.drop();
      }
    },
    120_000,
  );
});
