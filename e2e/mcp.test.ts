import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveChallenge, rejectChallenge } from '@keyra/device';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from '../packages/storage/test/postgresTestDatabase.js';
import { keyraApi, pairDevice, type Api, type PairedDevice } from './helpers/keyraApi.js';
import {
  createKey,
  KEYRA_BIN,
  runKeyra,
  startKeyra,
  type KeyraServer,
} from './helpers/keyraProcess.js';

/*
 * KEYRA's MCP server as an agent host meets it: the MCP SDK's own Client, over stdio (spawning
 * `keyra mcp`) and over Streamable HTTP (`POST /mcp` of a spawned `keyra serve`), on SQLite and
 * PostgreSQL. A simulated KEYRA ONE, paired over the API, answers like a human would.
 */

const USER = 'usr_agent_owner';
type Kind = 'stdio' | 'http';
type Structured = Record<string, unknown> & { status?: string; proof?: string };
const text = (result: object): string =>
  (((result as { content?: unknown }).content ?? []) as { text?: string }[])
    .map((c) => c.text ?? '')
    .join('\n');

describe('keyra mcp without a usable key', () => {
  it('says so on stderr, prints nothing on stdout, and exits 2', async () => {
    for (const key of ['', 'pk_not_a_secret_key']) {
      const res = await runKeyra(['mcp'], { env: { KEYRA_API_KEY: key } });
      expect(res.code).toBe(2);
      expect(res.stdout).toBe('');
      expect(res.stderr).toMatch(/^keyra: KEYRA_API_KEY (is not set|must be a secret key)/);
    }
  });
});

const postgresSkip = await shouldSkipPostgres();
const databases: { name: string; skip: boolean }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: Boolean(postgresSkip) },
];

describe.each(databases)('MCP end to end on $name', ({ name, skip }) => {
  if (skip) {
    it.skip('PostgreSQL is not reachable', () => undefined);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), `keyra-mcp-${name}-`));
  let database: string;
  let pg: TestPostgresDatabase | undefined;
  let server: KeyraServer;
  let keyA: string;
  let keyB: string;
  let apiA: Api;
  let apiB: Api;
  let device: PairedDevice;
  const clients: Client[] = [];

  const serve = (port?: number) =>
    startKeyra([
      '--dev',
      '--database',
      database,
      '--data-dir',
      path.join(dir, 'data'),
      ...(port ? ['--port', String(port)] : []),
    ]);

  beforeAll(async () => {
    if (name === 'postgres') {
      pg = await createTestPostgresDatabase();
      database = pg.url;
    } else {
      database = `sqlite:${path.join(dir, 'keyra.db')}`;
    }
    keyA = await createKey(database, { tenant: 'agents-a' });
    keyB = await createKey(database, { tenant: 'agents-b' });
    server = await serve();
    apiA = keyraApi(server.url, keyA);
    apiB = keyraApi(server.url, keyB);
    device = await pairDevice(apiA, USER);
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server?.stop();
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function connect(kind: Kind, key: string): Promise<Client> {
    const transport: Transport =
      kind === 'stdio'
        ? new StdioClientTransport({
            command: process.execPath,
            args: [KEYRA_BIN, 'mcp'],
            env: { ...getDefaultEnvironment(), KEYRA_API_KEY: key, KEYRA_BASE_URL: server.url },
            stderr: 'pipe',
          })
        : new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
            requestInit: { headers: { authorization: `Bearer ${key}` } },
          });
    const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
    clients.push(client);
    await client.connect(transport);
    return client;
  }

  /** The newest pending challenge of USER, once the tool has created it. */
  async function pending(api: Api = apiA): Promise<{ id: string; digest: string }> {
    for (let i = 0; i < 300; i++) {
      const list = await api('GET', `/v1/challenges?status=pending&userId=${USER}&limit=1`);
      const [first] = list.body.data as { id: string; digest: string }[];
      if (first) return first;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no pending challenge');
  }

  /** The human answers on the device. */
  async function answer(challenge: { id: string; digest: string }, decision: 'approve' | 'reject') {
    const signed = (decision === 'approve' ? approveChallenge : rejectChallenge)(device.state, {
      digestHex: challenge.digest,
      rpId: 'localhost',
    });
    device.state = signed.state;
    const res = await apiA('POST', `/v1/challenges/${challenge.id}/verify`, {
      deviceId: device.deviceId,
      attestation: signed.response,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  const status = async (id: string): Promise<string> =>
    String((await apiA('GET', `/v1/challenges/${id}`)).body.status);

  async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  describe.each(['stdio', 'http'] as const)('over %s', (kind) => {
    let agent: Client;
    beforeAll(async () => {
      agent = await connect(kind, keyA);
    });

    it('approve: progress while waiting, an approved result whose proof verifies', async () => {
      const payload = { amount: 4200, currency: 'EUR', to: 'ACME GmbH' };
      const progress: { progress: number; total?: number; message?: string }[] = [];
      const call = agent.callTool(
        {
          name: 'request_approval',
          arguments: { userId: USER, action: 'wire.send', payload, reason: 'Invoice 2026-114' },
        },
        undefined,
        { onprogress: (p) => progress.push(p), timeout: 120_000 },
      );
      const challenge = await pending();
      await answer(challenge, 'approve');
      const result = await call;
      expect(result.isError, text(result)).toBeFalsy();
      const structured = result.structuredContent as Structured;
      expect(structured).toMatchObject({
        status: 'approved',
        challengeId: challenge.id,
        action: 'wire.send',
        payload: { ...payload, reason: 'Invoice 2026-114' },
        method: 'device',
      });
      expect(progress.length).toBeGreaterThan(0);
      expect(progress[0]).toMatchObject({
        total: 120,
        message: expect.stringContaining(challenge.id),
      });

      const verified = await agent.callTool({
        name: 'verify_proof',
        arguments: {
          proof: structured.proof,
          action: 'wire.send',
          payload: { ...payload, reason: 'Invoice 2026-114' },
        },
      });
      expect(verified.structuredContent).toMatchObject({
        valid: true,
        claims: { challengeId: challenge.id, userId: USER, env: 'sandbox' },
      });
      const tampered = await agent.callTool({
        name: 'verify_proof',
        arguments: { proof: structured.proof, payload: { ...payload, amount: 4_200_000 } },
      });
      expect(tampered.structuredContent).toMatchObject({ valid: false });
      const read = await agent.callTool({
        name: 'get_approval',
        arguments: { challengeId: challenge.id },
      });
      expect(read.structuredContent).toMatchObject({ status: 'approved', proof: structured.proof });
    });

    it('reject and expire are results the agent reads, not errors', async () => {
      const rejecting = agent.callTool({
        name: 'request_approval',
        arguments: { userId: USER, action: 'db.drop', payload: { table: 'customers' } },
      });
      await answer(await pending(), 'reject');
      const rejected = await rejecting;
      expect(rejected.isError).toBeFalsy();
      expect(rejected.structuredContent).toMatchObject({ status: 'rejected' });
      expect(text(rejected)).toMatch(/^Rejected/);

      const expired = await agent.callTool(
        { name: 'request_approval', arguments: { userId: USER, action: 'db.drop', expiresIn: 10 } },
        undefined,
        { timeout: 60_000 },
      );
      expect(expired.isError).toBeFalsy();
      expect(expired.structuredContent).toMatchObject({ status: 'expired' });
    }, 60_000);

    it('a cancelled call cancels its challenge', async () => {
      const controller = new AbortController();
      const call = agent.callTool(
        { name: 'request_approval', arguments: { userId: USER, action: 'deploy.production' } },
        undefined,
        { signal: controller.signal },
      );
      const challenge = await pending();
      controller.abort('changed my mind');
      await expect(call).rejects.toThrow();
      await eventually(async () => (await status(challenge.id)) === 'canceled');
      // The device can no longer approve it.
      const signed = approveChallenge(device.state, {
        digestHex: challenge.digest,
        rpId: 'localhost',
      });
      const late = await apiA('POST', `/v1/challenges/${challenge.id}/verify`, {
        deviceId: device.deviceId,
        attestation: signed.response,
      });
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('challenge_canceled');
    });

    it('bad input is a tool error and creates nothing', async () => {
      const before = (await apiA('GET', '/v1/challenges?limit=100')).body.data.length;
      const bad = await agent.callTool({
        name: 'request_approval',
        arguments: { userId: USER, action: 'NOT AN ACTION', expiresIn: 100_000 },
      });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/action must match pattern.*expiresIn must be <= 600/s);
      expect((await apiA('GET', '/v1/challenges?limit=100')).body.data.length).toBe(before);
    });

    it("tenant B's key cannot read or cancel tenant A's challenge", async () => {
      const call = agent.callTool({
        name: 'request_approval',
        arguments: { userId: USER, action: 'payroll.run', payload: { month: '2026-11' } },
      });
      const challenge = await pending();
      const intruder = await connect(kind, keyB);
      const peek = await intruder.callTool({
        name: 'get_approval',
        arguments: { challengeId: challenge.id },
      });
      expect(peek.isError).toBe(true);
      expect(text(peek)).toMatch(/challenge_not_found/);
      expect(JSON.stringify(peek)).not.toContain('payroll');
      const cancel = await apiB('POST', `/v1/challenges/${challenge.id}/cancel`, {});
      expect(cancel.status).toBe(404);
      expect(await status(challenge.id)).toBe('pending');
      await intruder.close();
      await answer(challenge, 'approve');
      expect((await call).structuredContent).toMatchObject({ status: 'approved' });
    });
  });

  it('over http: a wrong API key is refused like on /v1', async () => {
    await expect(connect('http', 'sk_test_wrongwrongwrong')).rejects.toThrow(/401|invalid_api_key/);
  });

  it('over stdio: a wrong API key makes every tool call a readable error', async () => {
    const agent = await connect('stdio', 'sk_test_wrongwrongwrong');
    const result = await agent.callTool({
      name: 'request_approval',
      arguments: { userId: USER, action: 'wire.send' },
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/invalid_api_key/);
  });

  it('over http: closing the connection mid-wait cancels the challenge', async () => {
    const agent = await connect('http', keyA);
    const call = agent.callTool({
      name: 'request_approval',
      arguments: { userId: USER, action: 'vm.delete' },
    });
    const challenge = await pending();
    await agent.close();
    await expect(call).rejects.toThrow();
    await eventually(async () => (await status(challenge.id)) === 'canceled');
  });

  it("over http: another key cannot cancel a wait with the session's cancel notification", async () => {
    const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${keyA}` } },
    });
    const agent = new Client({ name: 'e2e-agent', version: '1.0.0' });
    clients.push(agent);
    await agent.connect(transport);
    const session = transport.sessionId;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    const call = agent.callTool({
      name: 'request_approval',
      arguments: { userId: USER, action: 'secrets.rotate' },
    });
    const challenge = await pending();
    const cancelAs = (key: string) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': session!,
          'mcp-protocol-version': '2025-06-18',
        },
        // Every plausible request id of that session.
        body: JSON.stringify(
          Array.from({ length: 10 }, (_, id) => ({
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: id, reason: 'attack' },
          })),
        ),
      });
    expect((await cancelAs(keyB)).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await status(challenge.id)).toBe('pending');
    await answer(challenge, 'approve');
    expect((await call).structuredContent).toMatchObject({ status: 'approved' });
  });

  it('over stdio: the wait survives a KEYRA server restart', async () => {
    const agent = await connect('stdio', keyA);
    const call = agent.callTool(
      {
        name: 'request_approval',
        arguments: { userId: USER, action: 'wire.send', expiresIn: 120 },
      },
      undefined,
      { timeout: 120_000 },
    );
    const challenge = await pending();
    const port = Number(new URL(server.url).port);
    expect(await server.stop()).toBe(0);
    // Down for a few poll intervals: the MCP server keeps retrying.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    server = await serve(port);
    apiA = keyraApi(server.url, keyA);
    apiB = keyraApi(server.url, keyB);
    expect(await status(challenge.id)).toBe('pending');
    await answer(challenge, 'approve');
    expect((await call).structuredContent).toMatchObject({
      status: 'approved',
      challengeId: challenge.id,
    });
  }, 120_000);
});
