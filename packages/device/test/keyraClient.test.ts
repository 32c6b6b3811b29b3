import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createKeyraClient,
  KeyraApiError,
  KeyraConnectionError,
} from '../src/client/createKeyraClient.js';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let reply: (req: IncomingMessage) => { status: number; body: string } = () => ({
  status: 200,
  body: '{}',
});

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: text ? JSON.parse(text) : undefined,
      });
      const answer = reply(req);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));
beforeEach(() => {
  seen = [];
  reply = () => ({ status: 200, body: '{"ok":true}' });
});

describe('createKeyraClient', () => {
  it('sends each route with its method, path, credentials and JSON body', async () => {
    const client = createKeyraClient({ baseUrl: `${baseUrl}/` });
    const attestation = { id: 'x' } as never;
    await client.createAttestationCertificate('sk_test_a', { publicKey: 'PEM', aaguid: 'u' });
    await client.createRegistrationOptions('sk_test_a', { userId: 'usr_1', displayName: 'usr_1' });
    await client.verifyRegistration('sk_test_a', { userId: 'usr_1', response: attestation });
    await client.verifyChallenge('sk_test_a', 'chl_1', { deviceId: 'dev_1', attestation });
    await client.createSessionOptions({ deviceId: 'dev_1' });
    await client.createSession({ deviceId: 'dev_1', response: attestation });
    await client.listChallenges('dst_t');
    await client.listChallenges('dst_t', { wait: 5 });
    await client.getChallenge('dst_t', 'chl_1');
    await client.respondToChallenge('dst_t', 'chl_1', { attestation });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.authorization ?? '-'}`)).toEqual([
      'POST /v1/simulator/attestation-certificates Bearer sk_test_a',
      'POST /v1/credentials/register Bearer sk_test_a',
      'POST /v1/credentials/register/verify Bearer sk_test_a',
      'POST /v1/challenges/chl_1/verify Bearer sk_test_a',
      'POST /v1/device-api/sessions/options -',
      'POST /v1/device-api/sessions -',
      'GET /v1/device-api/challenges Bearer dst_t',
      'GET /v1/device-api/challenges?wait=5 Bearer dst_t',
      'GET /v1/device-api/challenges/chl_1 Bearer dst_t',
      'POST /v1/device-api/challenges/chl_1/respond Bearer dst_t',
    ]);
    expect(seen[0]).toMatchObject({
      contentType: 'application/json',
      body: { publicKey: 'PEM', aaguid: 'u' },
    });
    expect(seen[6]!.contentType).toBeUndefined();
    expect(seen[9]!.body).toEqual({ attestation: { id: 'x' } });
  });

  it('escapes path segments', async () => {
    await createKeyraClient({ baseUrl }).getChallenge('t', '../../v1/keys?x');
    expect(seen[0]!.url).toBe('/v1/device-api/challenges/..%2F..%2Fv1%2Fkeys%3Fx');
  });

  it('turns the error body into a KeyraApiError with code, message and details', async () => {
    reply = () => ({
      status: 404,
      body: JSON.stringify({
        code: 'challenge_not_found',
        message: 'No challenge chl_1.',
        details: [{ field: 'id' }],
      }),
    });
    const error = await createKeyraClient({ baseUrl })
      .getChallenge('t', 'chl_1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyraApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'challenge_not_found',
      message: 'No challenge chl_1.',
      details: [{ field: 'id' }],
    });
  });

  it('reports a non-JSON error page by its status', async () => {
    reply = () => ({ status: 502, body: '<html>Bad gateway</html>' });
    await expect(createKeyraClient({ baseUrl }).listChallenges('t')).rejects.toMatchObject({
      status: 502,
      code: 'http_502',
    });
  });

  it('reports an unreachable server as a KeyraConnectionError naming it', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((done) => closed.close(() => done()));
    const error = await createKeyraClient({ baseUrl: url })
      .createSessionOptions({ deviceId: 'dev_1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyraConnectionError);
    expect((error as Error).message).toBe(`cannot reach the KEYRA server at ${url} (ECONNREFUSED)`);
  });

  it('gives up after the timeout, and a long-poll gets its wait on top', async () => {
    reply = () => ({ status: 200, body: '{"data":[]}' });
    const slow = createServer((_req, res) => setTimeout(() => res.end('{"data":[]}'), 300));
    await new Promise<void>((done) => slow.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    try {
      const client = createKeyraClient({ baseUrl: url, timeoutMs: 100 });
      await expect(client.getChallenge('t', 'chl_1')).rejects.toThrow(/timed out/);
      await expect(client.listChallenges('t', { wait: 1 })).resolves.toEqual({ data: [] });
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((done) => slow.close(() => done()));
    }
  });

  it('lets the caller abort a long-poll', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((done) => hang.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    try {
      const controller = new AbortController();
      const pending = createKeyraClient({ baseUrl: url }).listChallenges('t', {
        wait: 30,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      const error = await pending.catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(KeyraConnectionError);
      expect((error as Error).name).toBe('AbortError');
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((done) => hang.close(() => done()));
    }
  });
});
