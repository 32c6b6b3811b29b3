import { createLocalJWKSet, jwtVerify } from 'jose';
import { createOAuthClient, ensureTenant, type DeliveryMode } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWebhookUrlGuard } from '../src/webhooks/webhookUrlGuard.js';
import { approve, pairSimulator, reject, type PairedSimulator } from './helpers/simulator.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const DETAILS = JSON.stringify([
  { type: 'keyra_action', action: 'payment.approve', payload: { amount: 4200, currency: 'EUR' } },
]);

let t: TestApp;
let key: string;
let device: PairedSimulator;
let clientId: string;
let clientSecret: string;

const basic = (id: string, secret: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
});

async function newClient(mode: DeliveryMode = 'poll', notifyUrl: string | null = null) {
  const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
  return createOAuthClient(
    { tenantId: tenant.id, environment: 'sandbox' },
    { name: 'Agent', deliveryMode: mode, notifyUrl },
    {
      store: t.storage.oauthClients,
      urlGuard: createWebhookUrlGuard({ dev: true }),
      now: t.clock.now(),
    },
  );
}

function post(
  url: string,
  params: Record<string, string>,
  headers = basic(clientId, clientSecret),
) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { ...FORM, ...headers },
    payload: new URLSearchParams(params).toString(),
  });
}

function bcAuthorize(params: Record<string, string> = {}) {
  return post('/oauth/bc-authorize', {
    scope: 'openid',
    login_hint: 'usr_alice',
    binding_message: 'Code 7F3K',
    authorization_details: DETAILS,
    ...params,
  });
}

function token(authReqId: string, headers = basic(clientId, clientSecret)) {
  return post('/oauth/token', { grant_type: CIBA_GRANT, auth_req_id: authReqId }, headers);
}

async function pendingChallenge(): Promise<{
  id: string;
  digest: string;
  bindingMessage?: string;
}> {
  const list = await t.app.inject({
    method: 'GET',
    url: '/v1/challenges?userId=usr_alice&limit=1',
    headers: bearer(key),
  });
  return list.json().data[0];
}

async function decide(decision: typeof approve | typeof reject = approve): Promise<void> {
  const challenge = await pendingChallenge();
  const signed = decision(device.state, challenge.digest);
  device.state = signed.state;
  const verified = await t.app.inject({
    method: 'POST',
    url: `/v1/challenges/${challenge.id}/verify`,
    headers: bearer(key),
    payload: { deviceId: device.deviceId, attestation: signed.response },
  });
  expect(verified.statusCode, verified.body).toBe(200);
}

beforeEach(async () => {
  t = await createTestApp({ env: { KEYRA_CIBA_INTERVAL_SECONDS: '5' } });
  key = await t.key();
  device = await pairSimulator(t.app, key, 'usr_alice');
  const issued = await newClient();
  clientId = issued.record.id;
  clientSecret = issued.secret;
});
afterEach(async () => t.close());

describe('GET /.well-known/openid-configuration', () => {
  it('publishes the CIBA metadata with the issuer and endpoints of this server', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    expect(res.statusCode).toBe(200);
    const base = t.config.publicUrl;
    expect(res.json()).toEqual({
      issuer: base,
      backchannel_authentication_endpoint: `${base}/oauth/bc-authorize`,
      token_endpoint: `${base}/oauth/token`,
      jwks_uri: `${base}/.well-known/jwks.json`,
      grant_types_supported: [CIBA_GRANT],
      backchannel_token_delivery_modes_supported: ['poll', 'ping', 'push'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['ES256'],
      authorization_details_types_supported: ['keyra_action'],
      scopes_supported: ['openid'],
      subject_types_supported: ['public'],
      backchannel_user_code_parameter_supported: false,
    });
  });

  it('takes the issuer from KEYRA_ISSUER', async () => {
    const other = await createTestApp({ env: { KEYRA_ISSUER: 'https://id.example.com' } });
    try {
      const res = await other.app.inject({
        method: 'GET',
        url: '/.well-known/openid-configuration',
      });
      expect(res.json().issuer).toBe('https://id.example.com');
    } finally {
      await other.close();
    }
  });
});

describe('poll mode', () => {
  it('bc-authorize → pending → slow_down → approval → tokens once, ID token verified with the JWKS', async () => {
    const started = await bcAuthorize();
    expect(started.statusCode, started.body).toBe(200);
    expect(started.headers['cache-control']).toBe('no-store');
    const { auth_req_id: authReqId, expires_in, interval } = started.json();
    expect([expires_in, interval]).toEqual([120, 5]);
    expect(await pendingChallenge()).toMatchObject({
      bindingMessage: 'Code 7F3K',
    });

    const pending = await token(authReqId);
    expect([pending.statusCode, pending.json().error]).toEqual([400, 'authorization_pending']);
    t.clock.advance(1000);
    const fast = await token(authReqId);
    expect([fast.statusCode, fast.json().error]).toEqual([400, 'slow_down']);
    t.clock.advance(5000);

    await decide();
    const tokens = await token(authReqId);
    expect(tokens.statusCode, tokens.body).toBe(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    const body = tokens.json();
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid',
      authorization_details: [
        {
          type: 'keyra_action',
          action: 'payment.approve',
          payload: { amount: 4200, currency: 'EUR' },
        },
      ],
    });
    expect(body.keyra_proof).toMatch(/^eyJ/);
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await jwtVerify(body.id_token, createLocalJWKSet(jwks), {
      issuer: t.config.publicUrl,
      audience: clientId,
      currentDate: new Date(t.clock.now()),
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({
      sub: 'usr_alice',
      'urn:openid:params:jwt:claim:auth_req_id': authReqId,
      amr: ['hwk', 'user'],
    });

    const replay = await token(authReqId);
    expect([replay.statusCode, replay.json().error]).toEqual([400, 'invalid_grant']);
  });

  it('client_secret_post works; a rejection is access_denied; expiry is expired_token', async () => {
    const post_ = { client_id: clientId, client_secret: clientSecret };
    const rejected = await post(
      '/oauth/bc-authorize',
      { scope: 'openid', login_hint: 'usr_alice', authorization_details: DETAILS, ...post_ },
      {},
    );
    expect(rejected.statusCode, rejected.body).toBe(200);
    await decide(reject);
    const denied = await post(
      '/oauth/token',
      { grant_type: CIBA_GRANT, auth_req_id: rejected.json().auth_req_id, ...post_ },
      {},
    );
    expect([denied.statusCode, denied.json().error]).toEqual([400, 'access_denied']);

    const expiring = (await bcAuthorize({ requested_expiry: '10' })).json();
    t.clock.advance(11_000);
    const expired = await token(expiring.auth_req_id);
    expect([expired.statusCode, expired.json().error]).toEqual([400, 'expired_token']);
  });
});

describe('client authentication', () => {
  it('an unknown client and a wrong secret get the same 401 invalid_client (WWW-Authenticate after Basic)', async () => {
    const started = (await bcAuthorize()).json();
    const answers = await Promise.all([
      token(started.auth_req_id, basic('cli_unknown0000000000000000', clientSecret)),
      token(started.auth_req_id, basic(clientId, `${clientSecret}x`)),
      token(started.auth_req_id, {}),
      token(started.auth_req_id, { authorization: 'Basic !!!' }),
    ]);
    for (const answer of answers) {
      expect(answer.statusCode).toBe(401);
      expect(answer.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Client authentication failed.',
      });
    }
    for (const answer of [answers[0], answers[1], answers[3]])
      expect(answer?.headers['www-authenticate']).toMatch(/^Basic realm="keyra"/);
    expect(answers[2]?.headers['www-authenticate']).toBeUndefined();
    const posted = await post(
      '/oauth/token',
      {
        grant_type: CIBA_GRANT,
        auth_req_id: started.auth_req_id,
        client_id: 'cli_x',
        client_secret: 'y',
      },
      {},
    );
    expect([posted.statusCode, posted.json().error]).toEqual([401, 'invalid_client']);
  });

  it('a revoked client is refused', async () => {
    await t.storage.oauthClients.revoke(clientId, t.clock.now());
    const res = await bcAuthorize();
    expect([res.statusCode, res.json().error]).toEqual([401, 'invalid_client']);
  });

  it("another client's auth_req_id is invalid_grant", async () => {
    const started = (await bcAuthorize()).json();
    const other = await newClient();
    const res = await token(started.auth_req_id, basic(other.record.id, other.secret));
    expect([res.statusCode, res.json().error]).toEqual([400, 'invalid_grant']);
  });
});

describe('bad input', () => {
  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    [
      'JSON instead of a form',
      () =>
        t.app.inject({
          method: 'POST',
          url: '/oauth/bc-authorize',
          headers: { 'content-type': 'application/json', ...basic(clientId, clientSecret) },
          payload: JSON.stringify({ scope: 'openid' }),
        }),
      400,
      'invalid_request',
    ],
    [
      'a repeated parameter',
      () =>
        t.app.inject({
          method: 'POST',
          url: '/oauth/bc-authorize',
          headers: { ...FORM, ...basic(clientId, clientSecret) },
          payload: 'scope=openid&scope=openid&login_hint=usr_alice',
        }),
      400,
      'invalid_request',
    ],
    [
      'basic and post together',
      () =>
        post('/oauth/token', {
          grant_type: CIBA_GRANT,
          auth_req_id: 'x',
          client_secret: clientSecret,
        }),
      400,
      'invalid_request',
    ],
    ['no scope', () => bcAuthorize({ scope: '' }), 400, 'invalid_scope'],
    [
      'a bad binding message',
      () => bcAuthorize({ binding_message: 'x'.repeat(100) }),
      400,
      'invalid_binding_message',
    ],
    [
      'bad authorization details',
      () => bcAuthorize({ authorization_details: '[' }),
      400,
      'invalid_authorization_details',
    ],
    [
      'an unknown grant type',
      () => post('/oauth/token', { grant_type: 'password' }),
      400,
      'unsupported_grant_type',
    ],
    [
      'no auth_req_id',
      () => post('/oauth/token', { grant_type: CIBA_GRANT }),
      400,
      'invalid_request',
    ],
    ['an unknown auth_req_id', () => token('nope'), 400, 'invalid_grant'],
  ];
  for (const [name, send, status, error] of cases) {
    it(`${name}: ${status} ${error}, nothing created`, async () => {
      const res = await send();
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json()).toEqual({ error, error_description: expect.any(String) });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await pendingChallenge()).toBeUndefined();
    });
  }

  it('an unknown login_hint is answered like a known one', async () => {
    const known = await bcAuthorize();
    const unknown = await bcAuthorize({ login_hint: 'usr_nobody' });
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(Object.keys(unknown.json())).toEqual(Object.keys(known.json()));
    expect(unknown.json().expires_in).toBe(known.json().expires_in);
  });

  it('never answers 500 to random parameters (a small fuzz)', async () => {
    const names = [
      'scope',
      'login_hint',
      'binding_message',
      'requested_expiry',
      'authorization_details',
      'grant_type',
      'auth_req_id',
      'client_notification_token',
      'id_token_hint',
    ];
    const values = [
      '',
      'openid',
      '{}',
      '[]',
      '[{"type":"keyra_action","action":"a.b","payload":{"x":{"__proto__":1}}}]',
      'x'.repeat(3000),
      '\u0000',
      '%ZZ',
      '-1',
      '1e9',
      'usr_alice',
      '\uD800',
      'null',
    ];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 120; i++) {
      const params: Record<string, string> = {};
      for (let j = 0; j < 1 + next(5); j++)
        params[names[next(names.length)] as string] = values[next(values.length)] as string;
      const res = await post(i % 2 ? '/oauth/token' : '/oauth/bc-authorize', params);
      expect(res.statusCode, `${JSON.stringify(params)} → ${res.body}`).toBeLessThan(500);
      if (res.statusCode !== 200) expect(res.json().error).toEqual(expect.any(String));
    }
  });
});
