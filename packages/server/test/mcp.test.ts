import type { ChallengeRecord, Scope } from '@keyra/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadApprovalServices } from '../src/approval/loadApprovalServices.js';
import { createChallengeNotifier } from '../src/approval/challengeNotifier.js';
import { createMcpServer } from '../src/mcp/createMcpServer.js';
import { createInProcessApprovalPort } from '../src/mcp/inProcessApprovalPort.js';
import type { ApprovalPort } from '../src/mcp/approvalPort.js';
import { requestApproval } from '../src/mcp/requestApproval.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';
import { approve, pairSimulator, reject } from './helpers/simulator.js';

/*
 * The MCP tools through the SDK's own Client, over an in-memory transport, against the in-process
 * port on a real app and database; the device answers through the API like a KEYRA ONE.
 */

type Structured = Record<string, unknown> & {
  status?: string;
  proof?: string;
  challengeId?: string;
};

describe('MCP tools (in process)', () => {
  let t: TestApp;
  let key: string;
  let scope: Scope;
  let device: Awaited<ReturnType<typeof pairSimulator>>;
  let client: Client;
  let idle: () => Promise<void>;
  let received: { method?: string }[] = [];

  async function connect(at: Scope, shutdown?: AbortSignal): Promise<Client> {
    const approval = await loadApprovalServices(t.storage, t.serverSecret, t.config, t.clock.now());
    const mcp = createMcpServer({
      ...(shutdown ? { shutdown } : {}),
      port: createInProcessApprovalPort({
        scope: { ...at, audience: 'acme' },
        storage: t.storage,
        clock: t.clock,
        signer: approval.signer,
        notifier: createChallengeNotifier(),
        pollIntervalMs: 20,
      }),
      version: 'test',
      now: () => Date.now(),
    });
    idle = mcp.idle;
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await mcp.server.connect(serverSide);
    const connected = new Client({ name: 'test-agent', version: '1.0.0' });
    await connected.connect(clientSide);
    // Every message the server sends, as the client transport receives it.
    const deliver = clientSide.onmessage!;
    clientSide.onmessage = (message, extra) => {
      received.push(message as { method?: string });
      deliver(message, extra);
    };
    return connected;
  }

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    const tenant = await t.storage.tenants.findByName('acme');
    scope = { tenantId: tenant!.id, environment: 'sandbox' };
    device = await pairSimulator(t.app, key, 'usr_8f2a');
    client = await connect(scope);
  });
  afterEach(async () => {
    await client.close();
    await t.close();
  });

  /** The pending challenge the tool created, once it exists. */
  async function pendingChallenge(): Promise<ChallengeRecord> {
    for (let i = 0; i < 200; i++) {
      const [latest] = await t.storage.challenges.list(scope, { status: 'pending' }, 1);
      if (latest) return latest;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no pending challenge appeared');
  }

  const answer = (challenge: ChallengeRecord, how: typeof approve | typeof reject) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${challenge.id}/verify`,
      headers: bearer(key),
      payload: {
        deviceId: device.deviceId,
        attestation: how(device.state, challenge.digest).response,
      },
    });

  const payload = { amount: 12500, currency: 'USD' };

  it('lists three tools with input and output schemas and honest annotations', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
      'request_approval',
      'get_approval',
      'verify_proof',
    ]);
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    expect(byName.request_approval!.annotations).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      idempotentHint: false,
      openWorldHint: true,
    });
    for (const name of ['get_approval', 'verify_proof']) {
      expect(byName[name]!.annotations).toMatchObject({ readOnlyHint: true, idempotentHint: true });
    }
    expect(byName.request_approval!.inputSchema.required).toEqual(['userId', 'action']);
    expect(byName.request_approval!.outputSchema!.required).toEqual(
      expect.arrayContaining(['status', 'challengeId']),
    );
    expect(byName.verify_proof!.outputSchema!.required).toEqual(['valid']);
  });

  it('request_approval waits for an approval, reports progress, and the proof verifies', async () => {
    const progress: { progress: number; total?: number; message?: string }[] = [];
    const call = client.callTool(
      {
        name: 'request_approval',
        arguments: { userId: 'usr_8f2a', action: 'transfer.approve', payload, expiresIn: 60 },
      },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    const challenge = await pendingChallenge();
    expect((await answer(challenge, approve)).statusCode).toBe(200);
    const result = await call;
    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as Structured;
    expect(structured).toMatchObject({
      status: 'approved',
      challengeId: challenge.id,
      action: 'transfer.approve',
      payload,
      method: 'device',
      decidedAt: expect.any(String),
      proof: expect.stringMatching(/^ey/),
    });
    expect(result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^Approved: transfer\.approve for usr_8f2a/) },
    ]);
    expect(progress[0]).toMatchObject({ progress: 0, total: 60 });
    expect(progress[0]!.message).toContain(challenge.id);

    const check = async (args: Record<string, unknown>) =>
      (
        await client.callTool({
          name: 'verify_proof',
          arguments: { proof: structured.proof, ...args },
        })
      ).structuredContent as Structured;
    expect(await check({ action: 'transfer.approve', payload })).toMatchObject({
      valid: true,
      claims: { challengeId: challenge.id, userId: 'usr_8f2a', env: 'sandbox', method: 'device' },
    });
    expect(await check({ payload: { ...payload, amount: 99999 } })).toMatchObject({
      valid: false,
      code: 'proof_claim_mismatch',
    });
    expect(await check({ action: 'wire.send' })).toMatchObject({ valid: false });
    const [h, p, s] = structured.proof!.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: 'usr_evil' })).toString('base64url')}.${s}`;
    expect(
      (await client.callTool({ name: 'verify_proof', arguments: { proof: forged } }))
        .structuredContent,
    ).toMatchObject({ valid: false, code: 'proof_invalid' });

    // A production key's server does not take this sandbox proof.
    const production = await connect({ tenantId: scope.tenantId, environment: 'production' });
    expect(
      (await production.callTool({ name: 'verify_proof', arguments: { proof: structured.proof } }))
        .structuredContent,
    ).toMatchObject({ valid: false, reason: expect.stringMatching(/sandbox/) });
    await production.close();

    const got = await client.callTool({
      name: 'get_approval',
      arguments: { challengeId: challenge.id },
    });
    expect(got.structuredContent).toMatchObject({
      status: 'approved',
      userId: 'usr_8f2a',
      proof: structured.proof,
    });
  });

  it('a rejection and an expiry are normal results, not errors', async () => {
    const rejected = client.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'db.drop', payload: { table: 'users' } },
    });
    await answer(await pendingChallenge(), reject);
    const result = await rejected;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ status: 'rejected' });
    expect(result.structuredContent).not.toHaveProperty('proof');

    const expiring = client.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'db.drop', expiresIn: 10 },
    });
    await pendingChallenge();
    t.clock.advance(10_000);
    const expired = await expiring;
    expect(expired.isError).toBeFalsy();
    expect(expired.structuredContent).toMatchObject({ status: 'expired', payload: {} });
    expect((expired.content as { text: string }[])[0]!.text).toMatch(/^Expired/);
  });

  it('cancelling the call cancels the challenge, and the device can no longer approve it', async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'request_approval', arguments: { userId: 'usr_8f2a', action: 'deploy.production' } },
      undefined,
      { signal: controller.signal },
    );
    const challenge = await pendingChallenge();
    controller.abort('the user changed their mind');
    await expect(call).rejects.toThrow();
    await idle();
    expect(await t.storage.challenges.find(scope, challenge.id)).toMatchObject({
      status: 'canceled',
    });
    const late = await answer(challenge, approve);
    expect(late.json()).toMatchObject({ code: 'challenge_canceled' });
    const events = await t.storage.events.list(scope, 10, { type: 'challenge.canceled' });
    expect(events.map((e) => e.data.challengeId)).toEqual([challenge.id]);
  });

  it('sends progress only to a client that asked for it (a progressToken)', async () => {
    received = [];
    const call = client.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'transfer.approve' },
    });
    // Long enough for a poll or two of the 20 ms interval after the challenge appeared.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await answer(await pendingChallenge(), approve);
    expect((await call).structuredContent).toMatchObject({ status: 'approved' });
    expect(received.map((message) => message.method ?? 'response')).toEqual(['response']);
  });

  it('a server shutting down ends the wait with an error naming the challenge, which stays pending', async () => {
    const shutdown = new AbortController();
    const agent = await connect(scope, shutdown.signal);
    const call = agent.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'transfer.approve' },
    });
    const challenge = await pendingChallenge();
    shutdown.abort();
    const result = await call;
    expect(result.isError).toBe(true);
    expect((result.content as { text: string }[])[0]!.text).toContain(
      `challenge ${challenge.id} is still pending`,
    );
    expect(await t.storage.challenges.find(scope, challenge.id)).toMatchObject({
      status: 'pending',
    });
    await agent.close();
  });

  it('signs the reason with the payload, so the human sees it', async () => {
    const call = client.callTool({
      name: 'request_approval',
      arguments: {
        userId: 'usr_8f2a',
        action: 'email.send',
        payload: { to: 'ceo@acme.test' },
        reason: 'Weekly report',
      },
    });
    const challenge = await pendingChallenge();
    expect(challenge.payload).toEqual({ to: 'ceo@acme.test', reason: 'Weekly report' });
    await answer(challenge, reject);
    expect((await call).structuredContent).toMatchObject({
      payload: { to: 'ceo@acme.test', reason: 'Weekly report' },
    });
  });

  it('bad arguments are tool errors the model can read, and create nothing', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ action: 'transfer.approve' }, /userId is required/],
      [{ userId: 'usr_8f2a', action: 'Transfer Approve!' }, /action must match pattern/],
      [{ userId: 'usr_8f2a', action: 'a.b', expiresIn: 5 }, /expiresIn must be >= 10/],
      [{ userId: 'usr_8f2a', action: 'a.b', expiresIn: '60' }, /expiresIn must be integer/],
      [{ userId: 'usr_8f2a', action: 'a.b', payload: [1] }, /payload must be object/],
      [{ userId: 'usr_8f2a', action: 'a.b', sudo: true }, /unknown field "sudo"/],
      [{ userId: 'usr_8f2a', action: 'a.b', payload: { reason: 'x' }, reason: 'y' }, /not both/],
    ];
    for (const [args, message] of cases) {
      const result = await client.callTool({ name: 'request_approval', arguments: args });
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(message);
    }
    const deep = await client.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'a.b', payload: { blob: 'x'.repeat(20_000) } },
    });
    expect(deep.isError).toBe(true);
    expect((deep.content as { text: string }[])[0]!.text).toMatch(/validation_failed/);
    expect(await t.storage.challenges.list(scope, {}, 10)).toEqual([]);

    const missing = await client.callTool({
      name: 'get_approval',
      arguments: { challengeId: 'chl_doesnotexist00000' },
    });
    expect(missing.isError).toBe(true);
    expect((missing.content as { text: string }[])[0]!.text).toMatch(/challenge_not_found/);
    const notJws = await client.callTool({ name: 'verify_proof', arguments: { proof: 'nope' } });
    expect(notJws.structuredContent).toMatchObject({ valid: false, code: 'proof_invalid' });

    await expect(client.callTool({ name: 'delete_everything', arguments: {} })).rejects.toSatisfy(
      (error) => error instanceof McpError && error.code === -32602,
    );
  });

  it("another tenant's key cannot read or cancel this tenant's challenge", async () => {
    const call = client.callTool({
      name: 'request_approval',
      arguments: { userId: 'usr_8f2a', action: 'transfer.approve' },
    });
    const challenge = await pendingChallenge();
    const globex = await t.storage.tenants
      .findByName('globex')
      .then(async (found) =>
        found
          ? found.id
          : (await t.key('globex'), (await t.storage.tenants.findByName('globex'))!.id),
      );
    const intruder = await connect({ tenantId: globex, environment: 'sandbox' });
    const peek = await intruder.callTool({
      name: 'get_approval',
      arguments: { challengeId: challenge.id },
    });
    expect(peek.isError).toBe(true);
    expect(JSON.stringify(peek)).not.toContain('transfer.approve');
    await intruder.close();
    expect(await t.storage.challenges.find(scope, challenge.id)).toMatchObject({
      status: 'pending',
    });
    await answer(challenge, approve);
    expect((await call).structuredContent).toMatchObject({ status: 'approved' });
  });
});

describe('POST /mcp', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2025-06-18',
  };
  const post = (body: string, extra: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/mcp', headers: { ...headers, ...extra }, payload: body });
  /** The JSON-RPC messages of an SSE answer. */
  const events = (body: string): unknown[] =>
    body
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)));

  it('needs the API key, like /v1', async () => {
    const res = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_api_key');
    const wrong = await post(
      '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      bearer('sk_test_nope'),
    );
    expect(wrong.statusCode).toBe(401);
  });

  it('initializes with a session name and lists the tools, statelessly', async () => {
    const init = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 't', version: '1' },
        },
      }),
      bearer(key),
    );
    expect(init.statusCode, init.body).toBe(200);
    expect(init.headers['mcp-session-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(events(init.body)).toMatchObject([{ id: 0, result: { serverInfo: { name: 'keyra' } } }]);
    // No session state: a request without the header works too.
    const list = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', bearer(key));
    expect(list.statusCode).toBe(200);
    expect(events(list.body)).toMatchObject([{ id: 1, result: { tools: [{}, {}, {}] } }]);
  });

  it('answers bad JSON-RPC with JSON-RPC errors, never a 500', async () => {
    const notJson = await post('{"jsonrpc":', bearer(key));
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    const notRpc = await post('{"hello":"world"}', bearer(key));
    expect(notRpc.statusCode).toBe(400);
    expect(notRpc.json().error.code).toBe(-32700);
    const unknownMethod = await post('{"jsonrpc":"2.0","id":7,"method":"sudo/rm"}', bearer(key));
    expect(events(unknownMethod.body)).toMatchObject([{ id: 7, error: { code: -32601 } }]);
    const badParams = await post(
      '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":42}}',
      bearer(key),
    );
    expect(events(badParams.body)).toMatchObject([{ id: 8, error: { code: -32602 } }]);
    const textPlain = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {
      ...bearer(key),
      'content-type': 'text/plain',
    });
    expect(textPlain.statusCode).toBe(415);
    const noSse = await post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {
      ...bearer(key),
      accept: 'application/json',
    });
    expect(noSse.statusCode).toBe(406);
  });

  it('shares the per-key rate limit with /v1', async () => {
    const limited = await createTestApp({ env: { KEYRA_RATE_LIMIT_PER_KEY: '2' } });
    try {
      const limitedKey = await limited.key();
      const list = () =>
        limited.app.inject({
          method: 'POST',
          url: '/mcp',
          headers: { ...headers, ...bearer(limitedKey) },
          payload: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
        });
      expect((await list()).statusCode).toBe(200);
      const v1 = await limited.app.inject({
        method: 'GET',
        url: '/v1/challenges',
        headers: bearer(limitedKey),
      });
      expect(v1.statusCode).toBe(200);
      const third = await list();
      expect(third.statusCode).toBe(429);
      expect(third.json().code).toBe('rate_limit_exceeded');
    } finally {
      await limited.close();
    }
  });

  it('GET and DELETE /mcp are 405 (no server stream, no session to end)', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await t.app.inject({ method, url: '/mcp', headers: bearer(key) });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    expect(doc.paths['/mcp'].post.summary).toMatch(/Model Context Protocol/);
  });
});

describe('request_approval cancelled while its create is on its way', () => {
  it('cancels the challenge the server made once the create answers', async () => {
    let answerCreate!: (created: { id: string; expiresAt: string }) => void;
    const canceled: string[] = [];
    const createSignals: (AbortSignal | undefined)[] = [];
    const port: ApprovalPort = {
      // Like the SDK's fetch: given a signal, the caller stops waiting when it aborts, though
      // the server has made the challenge all the same.
      create(_request, signal) {
        createSignals.push(signal);
        return new Promise((resolve, reject) => {
          answerCreate = resolve;
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      },
      get: () => Promise.reject(new Error('not expected: the call was cancelled')),
      cancel: async (id) => {
        canceled.push(id);
      },
      verifyProof: () => Promise.reject(new Error('not used')),
      pollIntervalMs: 10,
    };
    const controller = new AbortController();
    const run = requestApproval.run(
      { userId: 'usr_8f2a', action: 'deploy.production' },
      { port, signal: controller.signal, progress: async () => {}, now: () => Date.now() },
    );
    // The agent cancels while the server is still answering the create.
    controller.abort('the user changed their mind');
    answerCreate({
      id: 'chl_made_meanwhile',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await expect(run).rejects.toThrow();
    expect(canceled).toEqual(['chl_made_meanwhile']);
  });
});
