import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideChallenge, keyraApi, pairDevice, type Api } from './helpers/keyraApi.js';
import {
  createKey,
  KEYRA_BIN,
  startKeyra,
  waitFor,
  type KeyraServer,
} from './helpers/keyraProcess.js';
import {
  startWebhookReceiver,
  verifyKeyraSignatureIndependently,
  verifyStandardWebhook,
  type WebhookReceiver,
} from './helpers/webhookReceiver.js';

/*
 * `keyra listen --forward-to URL` as a developer runs it: a real server on SQLite, the listen
 * process following the tenant's events through the API, and a real receiver checking the
 * signatures with the printed secret (plain node:crypto and the standardwebhooks package). The
 * server is restarted mid-run: the listener reconnects and forwards what happened meanwhile.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-listen-'));
const database = `sqlite:${path.join(dir, 'listen.db')}`;
let port: number;
let server: KeyraServer;
let receiver: WebhookReceiver;
let listener: ChildProcess;
const lines: Record<string, unknown>[] = [];
let api: Api;

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port: free } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

const serve = () => startKeyra(['--port', String(port), '--database', database]);
const forwarded = () => receiver.events('/hook');

beforeAll(async () => {
  port = await freePort();
  server = await serve();
  receiver = await startWebhookReceiver();
  const key = await createKey(database);
  listener = spawn(
    process.execPath,
    [KEYRA_BIN, 'listen', '--forward-to', `${receiver.origin}/hook`, '--json', '--interval', '200'],
    {
      env: { ...process.env, KEYRA_API_KEY: key, KEYRA_BASE_URL: server.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let buffered = '';
  listener.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    lines.push(...complete.filter(Boolean).map((line) => JSON.parse(line)));
  });
  await waitFor(() => lines.some((line) => line.ready), 30_000);
  api = keyraApi(server.url, key);
}, 120_000);

afterAll(async () => {
  listener?.kill('SIGINT');
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keyra listen', () => {
  it('forwards new events signed with the printed secret, and catches up after a restart', async () => {
    const { secret } = lines.find((line) => line.ready) as { secret: string };
    expect(secret).toMatch(/^whsec_/);

    const device = await pairDevice(api, 'usr_listen');
    const approved = await decideChallenge(api, device, 'usr_listen', 'approve');
    expect(approved.status).toBe(200);
    await waitFor(() => forwarded().length >= 2, 20_000);
    expect(forwarded().map((event) => event.type)).toEqual(['device.paired', 'challenge.approved']);
    for (const delivery of receiver.received) {
      expect(
        verifyKeyraSignatureIndependently(
          delivery.headers['keyra-signature'],
          delivery.rawBody,
          secret,
        ),
      ).toBe(true);
      expect(verifyStandardWebhook(delivery.headers, delivery.rawBody, secret)).toBe(true);
    }
    await waitFor(() => lines.filter((line) => line.eventId).length >= 2);
    expect(lines.filter((line) => line.eventId).map((line) => line.status)).toEqual([200, 200]);

    // The server goes away: the listener reports it and keeps trying.
    await server.stop();
    await waitFor(() => lines.some((line) => line.disconnected), 20_000);
    server = await serve();
    // Created while the listener is still backing off: found when it reconnects.
    const rejected = await decideChallenge(api, device, 'usr_listen', 'reject');
    expect(rejected.status).toBe(200);
    await waitFor(() => forwarded().length >= 3, 30_000);
    expect(lines.some((line) => line.reconnected)).toBe(true);
    expect(forwarded().map((event) => event.type)).toEqual([
      'device.paired',
      'challenge.approved',
      'challenge.rejected',
    ]);
    // Each event exactly once.
    expect(new Set(forwarded().map((event) => event.id)).size).toBe(3);
  }, 120_000);
});
