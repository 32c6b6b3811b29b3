import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelChallenge,
  createApiKey,
  createChallenge,
  createSecretBox,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  expireChallenges,
  revokeApiKey,
  rotateApiKey,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  verifyAuditChain,
  type AuthenticatedKey,
  type Scope,
  type WebhookUrlGuard,
} from '../../src/index.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

const box = createSecretBox(Buffer.alloc(32, 7), 'webhook-secrets');
const urls: WebhookUrlGuard = { check: () => Promise.resolve(null) };

let db: TestStorage;
let clock: ManualClock;
let scope: Scope;
let other: Scope;

beforeEach(async () => {
  db = await openTestStorage();
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  other = await tenantScope(db.storage, 'globex', clock.now());
});
afterEach(async () => db.close());

const chainOf = (at: Scope) => db.storage.audit.list(at.tenantId, {}, 1000);

describe('verbs append their fact to the audit chain', () => {
  it('challenges: created (by the API key of the scope), canceled, expired', async () => {
    const asKey: AuthenticatedKey = { ...scope, keyId: 'key_caller', audience: 'acme' };
    const input = { action: 'transfer.approve', userId: 'usr_1', audience: 'acme' };
    const canceled = await createChallenge(asKey, input, { storage: db.storage, now: clock.now() });
    await cancelChallenge(asKey, canceled.id, { storage: db.storage, now: clock.now() });
    const expiring = await createChallenge(
      scope,
      { ...input, expiresIn: 60 },
      { storage: db.storage, now: clock.now() },
    );
    clock.advance(61_000);
    await expireChallenges(db.storage, clock.now());

    const chain = await chainOf(scope);
    expect(chain.map((e) => [e.seq, e.type, e.actor, e.subject])).toEqual([
      [1, 'challenge.created', 'key_caller', canceled.id],
      [2, 'challenge.canceled', 'key_caller', canceled.id],
      [3, 'challenge.created', 'system', expiring.id],
      [4, 'challenge.expired', 'system', expiring.id],
    ]);
    expect(verifyAuditChain(chain).intact).toBe(true);
    expect(await chainOf(other)).toEqual([]);
  });

  it('API keys: created, rotated, revoked; a refused revoke writes nothing', async () => {
    const issued = await createApiKey(db.storage, {
      tenantId: scope.tenantId,
      environment: 'production',
      audience: 'acme',
      now: clock.now(),
    });
    const rotated = await rotateApiKey(db.storage, {
      keyId: issued.record.id,
      now: clock.now(),
      graceMs: 0,
    });
    if (rotated.outcome !== 'rotated') throw new Error(rotated.outcome);
    expect(
      await revokeApiKey(db.storage, { keyId: rotated.replacement.record.id, now: clock.now() }),
    ).toBe(true);
    expect(
      await revokeApiKey(db.storage, { keyId: rotated.replacement.record.id, now: clock.now() }),
    ).toBe(false);
    expect(await revokeApiKey(db.storage, { keyId: 'key_missing', now: clock.now() })).toBe(false);

    const chain = await chainOf(scope);
    expect(chain).toMatchObject([
      {
        type: 'api_key.created',
        actor: 'cli',
        subject: issued.record.id,
        environment: 'production',
      },
      {
        type: 'api_key.rotated',
        subject: issued.record.id,
        data: { replacedBy: rotated.replacement.record.id },
      },
      { type: 'api_key.revoked', subject: rotated.replacement.record.id },
    ]);
    // Never the secret, nor its hash.
    expect(JSON.stringify(chain)).not.toContain(issued.secret);
    expect(JSON.stringify(chain)).not.toContain(issued.record.hash);
    expect(verifyAuditChain(chain).intact).toBe(true);
  });

  it('webhook endpoints: created, updated, secret rotated, deleted; never the secret', async () => {
    const { endpoint, secret } = await createWebhookEndpoint(
      scope,
      { url: 'https://hooks.example.com/k', events: ['*'] },
      { storage: db.storage, box, urls, now: clock.now() },
    );
    await updateWebhookEndpoint(
      scope,
      endpoint.id,
      { enabled: false },
      { storage: db.storage, urls, now: clock.now() },
    );
    const rotated = await rotateWebhookSecret(scope, endpoint.id, {
      storage: db.storage,
      box,
      overlapMs: 1000,
      now: clock.now(),
    });
    await deleteWebhookEndpoint(scope, endpoint.id, { storage: db.storage, now: clock.now() });

    const chain = await chainOf(scope);
    expect(chain.map((e) => e.type)).toEqual([
      'webhook_endpoint.created',
      'webhook_endpoint.updated',
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.deleted',
    ]);
    expect(chain[1]!.data).toEqual({ enabled: false });
    expect(JSON.stringify(chain)).not.toContain(secret);
    expect(JSON.stringify(chain)).not.toContain(rotated.secret);
    expect(verifyAuditChain(chain).intact).toBe(true);
  });
});
