import { appendFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, type Api, type PairedDevice } from '../helpers/keyraApi.js';
import { createKey, waitFor } from '../helpers/keyraProcess.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.js';
import { accountFor, type Accounting } from './accounting.js';
import { shouldSkipTopology, startTopology, type Topology } from './startTopology.js';
import {
  figuresOf,
  recoveryMs,
  startSteadyLoad,
  type LoadFigures,
  type SteadyLoad,
} from './steadyLoad.js';

/*
 * Issue 15: three KEYRA instances, each in its own network namespace, PostgreSQL and Redis in a
 * fourth, all faults injected under a steady load of creates, verifies and webhook deliveries.
 * After each fault the outcome is read from PostgreSQL and the receiver: nothing lost, nothing
 * doubled, and no 5xx but `503` with `Retry-After`. The figures go to stdout and, with
 * KEYRA_FAULT_REPORT=FILE, one JSON line per fault to FILE (docs/reliability.md quotes them).
 */

const WORKERS = 3;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface FaultReport extends LoadFigures, Accounting {
  fault: string;
  faultMs: number;
  recoveryMs: number | null;
}

function report(entry: FaultReport): void {
  console.log(`[fault] ${JSON.stringify(entry)}`);
  if (process.env.KEYRA_FAULT_REPORT)
    appendFileSync(process.env.KEYRA_FAULT_REPORT, `${JSON.stringify(entry)}\n`);
}

describe.skipIf(await shouldSkipTopology())(
  'three instances on separate network namespaces, under faults',
  () => {
    let topology: Topology;
    let receiver: WebhookReceiver;
    let key: string;
    let api: Api;
    let hangUntil = 0;
    const devices: { userId: string; device: PairedDevice }[] = [];

    beforeAll(async () => {
      topology = await startTopology({
        env: {
          // The load is one key from one address (the bridge): far below these, as intended.
          KEYRA_RATE_LIMIT_PER_KEY: '100000',
          KEYRA_RATE_LIMIT_PER_IP: '100000',
          KEYRA_LOG_LEVEL: 'info',
        },
      });
      // A receiver that can hang: while `hangUntil` is ahead, requests are held open.
      receiver = await startWebhookReceiver(async () => {
        while (Date.now() < hangUntil) await sleep(100);
        return { status: 200 };
      }, topology.hostIp);
      const port = Number(new URL(receiver.origin).port);
      await topology.forwardToHost(port);
      key = await createKey(topology.databaseUrl, { tenant: 'faults' });
      await Promise.all(topology.instances.map((_, i) => topology.startInstance(i)));
      api = keyraApi(topology.instances[0]!.url, key);
      const endpoint = await api('POST', '/v1/webhook_endpoints', {
        url: `http://127.0.0.1:${port}/hooks`,
        events: ['challenge.approved'],
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      for (let w = 0; w < WORKERS; w++) {
        const userId = `usr_load_${w}`;
        devices.push({ userId, device: await pairDevice(api, userId) });
      }
    }, 180_000);

    afterAll(async () => {
      hangUntil = 0;
      await topology?.close();
      await receiver?.close();
    });

    /**
     * Runs the load, injects the fault (which resolves with when the fault ended), waits for
     * the first successful create after it, lets the load run a little longer, then accounts.
     */
    async function underLoad(
      fault: string,
      /** Resolves with when the fault ended, or with when it began and ended. */
      inject: (load: SteadyLoad) => Promise<number | { began: number; ended: number }>,
      recoveryInstance?: number,
    ): Promise<{ load: SteadyLoad; entry: FaultReport }> {
      const load = startSteadyLoad({
        urls: () => topology.instances.map((instance) => instance.url),
        key,
        devices,
      });
      let entry: FaultReport;
      try {
        await waitFor(() => load.approved.size >= 3, 30_000);
        const started = Date.now();
        const window = await inject(load);
        const [began, ended] =
          typeof window === 'number' ? [started, window] : [window.began, window.ended];
        await waitFor(() => recoveryMs(load.samples, ended, recoveryInstance) !== null, 60_000);
        await sleep(1000);
        await load.stop();
        const figures = figuresOf(load.samples.filter((sample) => sample.at >= started));
        entry = {
          fault,
          faultMs: ended - began,
          recoveryMs: recoveryMs(load.samples, ended, recoveryInstance),
          ...figures,
          ...(await accountFor(topology.databaseUrl, receiver, load.approved)),
        };
      } catch (error) {
        for (const [i, instance] of topology.instances.entries()) {
          const server = instance.server;
          const errors = server
            ?.stdout()
            .split('\n')
            .filter((line) => /"level":(40|50|60)/.test(line))
            .slice(-5);
          console.error(
            `instance ${i}: exit ${server?.process.exitCode}, stderr: ${server?.stderr().slice(-1500)}\n${errors?.join('\n')}`,
          );
        }
        console.error(JSON.stringify(figuresOf(load.samples)));
        throw error;
      } finally {
        await load.stop();
      }
      report(entry);
      expect(entry.bad5xx, JSON.stringify(entry)).toBe(0);
      expect(entry).toMatchObject({
        doubleCounted: 0,
        eventsLost: 0,
        doubleMetered: 0,
        unmetered: 0,
        clientApprovedMissing: 0,
      });
      return { load, entry };
    }

    it('serves every instance across the bridge, each talking to PostgreSQL over its own link', async () => {
      for (const instance of topology.instances) {
        const res = await fetch(`${instance.url}/readyz`);
        expect(await res.json()).toEqual({
          status: 'ready',
          checks: { database: 'ok', rateLimitStore: 'ok' },
        });
      }
      const { entry } = await underLoad('none (smoke)', async () => Date.now());
      expect(entry.ok).toBeGreaterThan(0);
      // The database sees each instance from its own namespace's address.
      const client = new pg.Client({ connectionString: topology.databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ addr: string }>(
        `select distinct host(client_addr) as addr from pg_stat_activity where client_addr is not null`,
      );
      await client.end();
      expect(rows.map((row) => row.addr)).toEqual(
        expect.arrayContaining(topology.instances.map((instance) => instance.ip)),
      );
    }, 150_000);

    it('PostgreSQL restarted mid-load: 503 with Retry-After while it is down, nothing lost or doubled', async () => {
      const { load, entry } = await underLoad('PostgreSQL restart', async () => {
        await topology.stopPostgres();
        await sleep(3000);
        await topology.startPostgres();
        return Date.now();
      });
      expect(entry.recoveryMs).not.toBeNull();
      // The outage was seen, and seen as a 503 (never a 500).
      expect(entry.unavailable503).toBeGreaterThan(0);
      expect(load.samples.some((s) => s.status === 503 && s.code === 'service_unavailable')).toBe(
        true,
      );
      for (const instance of topology.instances) {
        const stderr = instance.server?.stderr().replace(/^\s+(\[Symbol|_).*$/gm, '');
        expect(instance.server?.process.exitCode, stderr?.slice(0, 3000)).toBeNull();
      }
    }, 150_000);

    it('Redis stopped and restarted: rate limits fail open, /readyz reports it, counting resumes', async () => {
      const url = topology.instances[0]!.url;
      const probe = () => fetch(`${url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } });
      expect((await probe()).headers.get('x-ratelimit-limit')).toBe('100000');
      let during: Response | undefined;
      let readyDuring: unknown;
      const { entry } = await underLoad('Redis stop + start', async () => {
        await topology.stopRedis();
        await sleep(1500);
        during = await probe();
        readyDuring = await (await fetch(`${url}/readyz`)).json();
        await sleep(1500);
        await topology.startRedis();
        return Date.now();
      });
      // Fail-open (docs/reliability.md): the API keeps answering, uncounted, without limit headers.
      expect(entry.unavailable503).toBe(0);
      expect(entry.unanswered).toBe(0);
      expect(during?.status).toBe(200);
      expect(during?.headers.get('x-ratelimit-limit')).toBeNull();
      // Still ready (the API answers): a balancer keeps routing to it; the loss is reported.
      expect(readyDuring).toEqual({
        status: 'degraded',
        checks: { database: 'ok', rateLimitStore: 'unavailable' },
      });
      // The client reconnects by itself: counting and readiness come back.
      const deadline = Date.now() + 15_000;
      while ((await probe()).headers.get('x-ratelimit-limit') === null) {
        if (Date.now() > deadline) throw new Error('rate limiting did not resume');
        await sleep(200);
      }
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
    }, 150_000);

    it('one instance SIGKILLed mid-verify: its flows finish on the others, restarts clean', async () => {
      const { entry } = await underLoad(
        'instance SIGKILL mid-verify',
        async (load) => {
          await waitFor(
            () => load.samples.some((s) => s.op === 'verify' && s.instance === 1 && s.doneAt === 0),
            20_000,
          );
          const began = Date.now();
          await topology.killInstance(1);
          await sleep(1000);
          await topology.startInstance(1);
          return { began, ended: Date.now() };
        },
        1,
      );
      expect(entry.recoveryMs).not.toBeNull();
    }, 150_000);

    it('an instance cut off from the database (packets dropped both ways), then healed', async () => {
      const { entry } = await underLoad(
        'partition instance 2 <-> database',
        async () => {
          await topology.partition(2, true);
          await sleep(5000);
          await topology.partition(2, false);
          return Date.now();
        },
        2,
      );
      expect(entry.recoveryMs).not.toBeNull();
    }, 150_000);

    it('a webhook receiver that hangs past the 10 s timeout, then answers: every event arrives', async () => {
      const { entry } = await underLoad('webhook receiver hangs 12 s', async () => {
        hangUntil = Date.now() + 12_000;
        await sleep(12_000);
        return Date.now();
      });
      // Deliveries held past the timeout were given up on by the sender and retried.
      expect(receiver.received.some((request) => request.answered === undefined)).toBe(true);
      expect(entry.eventsLost).toBe(0);
    }, 150_000);
  },
);
