import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticateClient,
  cancelChallenge,
  buildCibaNotification,
  createOAuthClient,
  expireChallenges,
  createSecretBox,
  generateSigningKey,
  hashAuthReqId,
  pollCibaToken,
  recordEvent,
  signCompactJws,
  startBackchannelAuthentication,
  type BackchannelParams,
  type DeliveryMode,
  type IdTokenSigner,
  type IssuedOAuthClient,
  type Scope,
  type WebhookUrlGuard,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: TestStorage['storage'];
let clock: ManualClock;
let scope: Scope;
let signer: IdTokenSigner;
const box = createSecretBox(randomBytes(32), 'webhook-secrets');
const allowAll: WebhookUrlGuard = { check: () => Promise.resolve(null) };
const DETAILS = JSON.stringify([
  { type: 'keyra_action', action: 'payment.approve', payload: { amount: 4200, currency: 'EUR' } },
]);

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(storage, 'acme', clock.now());
  const keysBox = createSecretBox(randomBytes(32), 'signing-keys');
  const key = await generateSigningKey(keysBox, clock.now());
  signer = {
    issuer: () => 'https://keyra.example',
    sign: (claims) => signCompactJws(key, keysBox, claims, 'JWT'),
  };
});
afterEach(async () => db.close());

async function client(mode: DeliveryMode = 'poll', at: Scope = scope): Promise<IssuedOAuthClient> {
  return createOAuthClient(
    at,
    {
      name: 'Agent',
      deliveryMode: mode,
      notifyUrl: mode === 'poll' ? null : 'https://client.example/cb',
    },
    { store: storage.oauthClients, urlGuard: allowAll, now: clock.now() },
  );
}

function start(issued: IssuedOAuthClient, params: BackchannelParams = {}) {
  return startBackchannelAuthentication(
    issued.record,
    { scope: 'openid', login_hint: 'usr_alice', authorization_details: DETAILS, ...params },
    { storage, box, intervalSeconds: 5, now: clock.now() },
  );
}

function poll(issued: IssuedOAuthClient, authReqId: string) {
  return pollCibaToken(
    issued.record,
    { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: authReqId },
    { storage, signer, now: clock.now() },
  );
}

describe('createOAuthClient and authenticateClient', () => {
  it('stores only the secret hash and authenticates with the secret', async () => {
    const issued = await client();
    expect(issued.secret).toMatch(/^cs_[0-9A-Za-z]{32}$/);
    const stored = await storage.oauthClients.locate(issued.record.id);
    expect(JSON.stringify(stored)).not.toContain(issued.secret);
    const found = await authenticateClient(
      storage.oauthClients,
      { clientId: issued.record.id, clientSecret: issued.secret },
      clock.now(),
    );
    expect(found.id).toBe(issued.record.id);
  });

  it('refuses unknown ids, wrong secrets and revoked clients with one identical error', async () => {
    const issued = await client();
    const attempts = [
      { clientId: 'cli_unknown', clientSecret: issued.secret },
      { clientId: issued.record.id, clientSecret: `${issued.secret}x` },
      { clientId: issued.record.id, clientSecret: '' },
    ];
    const errors = [];
    for (const attempt of attempts)
      errors.push(
        await expectKeyraError(
          authenticateClient(storage.oauthClients, attempt, clock.now()),
          'invalid_client',
        ),
      );
    await storage.oauthClients.revoke(issued.record.id, clock.now());
    errors.push(
      await expectKeyraError(
        authenticateClient(
          storage.oauthClients,
          { clientId: issued.record.id, clientSecret: issued.secret },
          clock.now(),
        ),
        'invalid_client',
      ),
    );
    expect(new Set(errors.map((error) => JSON.stringify(error.toJSON()))).size).toBe(1);
    expect(errors.map((error) => error.cause)).toEqual([
      'unknown',
      'wrong_secret',
      'missing',
      'revoked',
    ]);
  });

  it('requires a notification URL for ping and push, checked by the SSRF guard', async () => {
    const refuseAll: WebhookUrlGuard = {
      check: () => Promise.resolve({ reason: 'private_address', message: 'a private address' }),
    };
    const make = (mode: DeliveryMode, notifyUrl: string | null, guard = allowAll) =>
      createOAuthClient(
        scope,
        { name: 'x', deliveryMode: mode, notifyUrl },
        { store: storage.oauthClients, urlGuard: guard, now: clock.now() },
      );
    await expectKeyraError(make('ping', null), 'validation_failed');
    await expectKeyraError(make('poll', 'https://a.example'), 'validation_failed');
    await expectKeyraError(make('push', 'http://10.0.0.1/cb', refuseAll), 'invalid_webhook_url');
    expect(await storage.oauthClients.listForTenant(scope.tenantId)).toEqual([]);
  });
});

describe('startBackchannelAuthentication', () => {
  it('creates a challenge with the action, payload and binding message, and stores only the handle hash', async () => {
    const issued = await client();
    const started = await start(issued, { binding_message: 'Code 7F3K', requested_expiry: '90' });
    expect(started).toMatchObject({ expiresIn: 90, interval: 5 });
    const challenge = await storage.challenges.find(scope, started.challenge.id);
    expect(challenge).toMatchObject({
      action: 'payment.approve',
      userId: 'usr_alice',
      payload: { amount: 4200, currency: 'EUR' },
      bindingMessage: 'Code 7F3K',
      status: 'pending',
    });
    const request = await storage.cibaRequests.findByChallenge(scope, started.challenge.id);
    expect(request?.handleHash).toBe(hashAuthReqId(started.authReqId));
    expect(JSON.stringify(request)).not.toContain(started.authReqId);
  });

  it('answers an unknown user exactly like a known one', async () => {
    const issued = await client();
    const known = await start(issued, { login_hint: 'usr_alice' });
    const unknown = await start(issued, { login_hint: 'usr_nobody_at_all' });
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
    expect([unknown.expiresIn, unknown.interval]).toEqual([known.expiresIn, known.interval]);
  });

  it('seals the client notification token of a ping client', async () => {
    const issued = await client('ping');
    await expectKeyraError(start(issued), 'invalid_request');
    const started = await start(issued, { client_notification_token: 'tok-123' });
    const sealed = started.request.sealedNotificationToken as string;
    expect(sealed).not.toContain('tok-123');
    expect(box.open(sealed, started.request.handleHash).toString()).toBe('tok-123');
  });

  const refusals: [string, BackchannelParams, string][] = [
    ['scope without openid', { scope: 'profile' }, 'invalid_scope'],
    ['an extra scope', { scope: 'openid email' }, 'invalid_scope'],
    ['no hint', { login_hint: undefined }, 'invalid_request'],
    ['two hints', { id_token_hint: 'x' }, 'invalid_request'],
    ['a malformed login_hint', { login_hint: 'bad user' }, 'invalid_request'],
    ['an empty binding message', { binding_message: '' }, 'invalid_binding_message'],
    ['a long binding message', { binding_message: 'x'.repeat(65) }, 'invalid_binding_message'],
    ['a bidi override', { binding_message: 'pay \u202Eevil' }, 'invalid_binding_message'],
    ['a lone surrogate', { binding_message: 'a\uD800b' }, 'invalid_binding_message'],
    ['a fractional expiry', { requested_expiry: '9.5' }, 'invalid_request'],
    ['a too long expiry', { requested_expiry: '601' }, 'invalid_request'],
    [
      'no authorization_details',
      { authorization_details: undefined },
      'invalid_authorization_details',
    ],
    ['details not JSON', { authorization_details: '[{' }, 'invalid_authorization_details'],
    ['details not an array', { authorization_details: '{}' }, 'invalid_authorization_details'],
    [
      'another details type',
      { authorization_details: '[{"type":"payment_initiation","action":"a"}]' },
      'invalid_authorization_details',
    ],
    [
      'a bad action',
      { authorization_details: '[{"type":"keyra_action","action":"Not Dotted"}]' },
      'invalid_authorization_details',
    ],
    [
      'an array payload',
      { authorization_details: '[{"type":"keyra_action","action":"a.b","payload":[]}]' },
      'invalid_authorization_details',
    ],
    [
      'an unknown member',
      { authorization_details: '[{"type":"keyra_action","action":"a.b","locations":["x"]}]' },
      'invalid_authorization_details',
    ],
    [
      'a too large payload',
      {
        authorization_details: JSON.stringify([
          { type: 'keyra_action', action: 'a.b', payload: { blob: 'x'.repeat(17_000) } },
        ]),
      },
      'invalid_authorization_details',
    ],
  ];
  for (const [name, params, code] of refusals) {
    it(`refuses ${name} with ${code} and writes nothing`, async () => {
      const issued = await client();
      await expectKeyraError(start(issued, params), code as never);
      expect(await storage.challenges.list(scope, {}, 10)).toEqual([]);
    });
  }
});

describe('pollCibaToken', () => {
  it('pending, slow_down, then tokens once on approval', async () => {
    const issued = await client();
    const started = await start(issued);
    await expectKeyraError(poll(issued, started.authReqId), 'authorization_pending');
    clock.advance(4_000);
    await expectKeyraError(poll(issued, started.authReqId), 'slow_down');
    clock.advance(1_000);
    await expectKeyraError(poll(issued, started.authReqId), 'authorization_pending');
    await storage.challenges.decide(scope, started.challenge.id, 'approved', clock.now(), {
      deviceId: 'dev_1',
      method: 'device',
      proof: 'eyJ.proof.sig',
      stampId: null,
    });
    const tokens = await poll(issued, started.authReqId);
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid',
      keyra_proof: 'eyJ.proof.sig',
      authorization_details: [
        {
          type: 'keyra_action',
          action: 'payment.approve',
          payload: { amount: 4200, currency: 'EUR' },
        },
      ],
    });
    expect(decodeJwt(tokens.id_token)).toMatchObject({
      iss: 'https://keyra.example',
      sub: 'usr_alice',
      aud: issued.record.id,
      iat: Math.floor(clock.now() / 1000),
      exp: Math.floor(clock.now() / 1000) + 300,
      auth_time: Math.floor(clock.now() / 1000),
      'urn:openid:params:jwt:claim:auth_req_id': started.authReqId,
      amr: ['hwk', 'user'],
    });
    // A replayed auth_req_id gets nothing more.
    await expectKeyraError(poll(issued, started.authReqId), 'invalid_grant');
  });

  it('racing token requests: exactly one gets the tokens', async () => {
    const issued = await client();
    const started = await start(issued);
    await storage.challenges.decide(scope, started.challenge.id, 'approved', clock.now(), {
      deviceId: 'dev_1',
      method: 'passkey',
      proof: 'p',
      stampId: null,
    });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => poll(issued, started.authReqId)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  it('rejection is access_denied, expiry is expired_token', async () => {
    const issued = await client();
    const rejected = await start(issued);
    const expiring = await start(issued, { requested_expiry: '10' });
    await storage.challenges.decide(scope, rejected.challenge.id, 'rejected', clock.now());
    await expectKeyraError(poll(issued, rejected.authReqId), 'access_denied');
    clock.advance(11_000);
    await expectKeyraError(poll(issued, expiring.authReqId), 'expired_token');
  });

  it('a challenge canceled through the API is access_denied, never tokens, and notifies a ping client', async () => {
    const issued = await client();
    const started = await start(issued);
    await cancelChallenge(scope, started.challenge.id, { storage, now: clock.now() });
    await expectKeyraError(poll(issued, started.authReqId), 'access_denied');
    expect(
      (await storage.cibaRequests.findByHandle(hashAuthReqId(started.authReqId)))?.tokensIssuedAt,
    ).toBeNull();
    const ping = await client('ping');
    const pinged = await start(ping, { client_notification_token: 'tok-cancel' });
    await cancelChallenge(scope, pinged.challenge.id, { storage, now: clock.now() });
    const due = await storage.webhookDeliveries.claimDue(clock.now(), 10, 60_000);
    expect(due.map((delivery) => delivery.cibaHandleHash)).toContain(pinged.request.handleHash);
  });

  it("another client's or an unknown auth_req_id is invalid_grant; a push client may not poll", async () => {
    const issued = await client();
    const other = await client();
    const started = await start(issued);
    await expectKeyraError(poll(other, started.authReqId), 'invalid_grant');
    await expectKeyraError(poll(issued, 'x'.repeat(43)), 'invalid_grant');
    await expectKeyraError(poll(issued, 'x'.repeat(5000)), 'invalid_grant');
    const push = await client('push');
    const pushed = await start(push, { client_notification_token: 'tok' });
    await expectKeyraError(poll(push, pushed.authReqId), 'unauthorized_client');
  });

  it('refuses a missing or another grant type', async () => {
    const issued = await client();
    const deps = { storage, signer, now: clock.now() };
    await expectKeyraError(pollCibaToken(issued.record, {}, deps), 'invalid_request');
    await expectKeyraError(
      pollCibaToken(issued.record, { grant_type: 'authorization_code' }, deps),
      'unsupported_grant_type',
    );
  });
});

describe('ping and push notifications through the outbox', () => {
  it('a poll client gets no notification; ping and push get one delivery in the deciding transaction', async () => {
    const pollClient = await client('poll');
    const pingClient = await client('ping');
    const polled = await start(pollClient);
    const pinged = await start(pingClient, { client_notification_token: 'tok-ping' });
    for (const started of [polled, pinged])
      await storage.transaction(async (tx) => {
        await tx.challenges.decide(scope, started.challenge.id, 'approved', clock.now());
        await recordEvent(
          tx,
          scope,
          'challenge.approved',
          { challengeId: started.challenge.id },
          clock.now(),
        );
      });
    const due = await storage.webhookDeliveries.claimDue(clock.now(), 10, 60_000);
    expect(due.map((d) => [d.endpointId, d.cibaHandleHash])).toEqual([
      [null, pinged.request.handleHash],
    ]);
    const deps = { storage, box, signer, now: clock.now() };
    const notification = await buildCibaNotification(pinged.request.handleHash, deps);
    expect(notification).toMatchObject({
      url: 'https://client.example/cb',
      bearer: 'tok-ping',
      body: JSON.stringify({ auth_req_id: pinged.authReqId }),
    });
    // A revoked client's notifications are dropped.
    await storage.oauthClients.revoke(pingClient.record.id, clock.now());
    expect(await buildCibaNotification(pinged.request.handleHash, deps)).toBeNull();
  });

  it('push: an expiry pushes expired_token; an approval pushes the tokens once', async () => {
    const pushClient = await client('push');
    const expiring = await start(pushClient, {
      client_notification_token: 'tok-push',
      requested_expiry: '10',
    });
    clock.advance(11_000);
    await expireChallenges(storage, clock.now());
    const due = await storage.webhookDeliveries.claimDue(clock.now(), 10, 60_000);
    expect(due.map((d) => d.cibaHandleHash)).toEqual([expiring.request.handleHash]);
    const deps = () => ({ storage, box, signer, now: clock.now() });
    const expired = await buildCibaNotification(expiring.request.handleHash, deps());
    expect(JSON.parse(expired?.body ?? '{}')).toEqual({
      auth_req_id: expiring.authReqId,
      error: 'expired_token',
      error_description: 'The request expired before the human decided.',
    });

    const approved = await start(pushClient, { client_notification_token: 'tok-push' });
    await storage.challenges.decide(scope, approved.challenge.id, 'approved', clock.now(), {
      deviceId: 'dev_1',
      method: 'device',
      proof: 'p',
      stampId: null,
    });
    const pushed = JSON.parse(
      (await buildCibaNotification(approved.request.handleHash, deps()))?.body ?? '{}',
    );
    expect(pushed).toMatchObject({ auth_req_id: approved.authReqId, token_type: 'Bearer' });
    expect(decodeJwt(pushed.id_token)).toMatchObject({
      aud: pushClient.record.id,
      sub: 'usr_alice',
    });
    expect(
      (await storage.cibaRequests.findByHandle(approved.request.handleHash))?.tokensIssuedAt,
    ).not.toBeNull();
  });
});
