import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticateApiKey,
  buildApiKey,
  createApiKey,
  rotateApiKey,
  type ApiKeyRejection,
  type Scope,
  type Storage,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let scope: Scope;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
});
afterEach(async () => db.close());

const HOUR = 3_600_000;

const issue = (environment: Scope['environment'] = 'sandbox') =>
  createApiKey(storage, {
    tenantId: scope.tenantId,
    environment,
    audience: 'acme',
    now: clock.now(),
  });

const authenticate = (secret: string | undefined) =>
  authenticateApiKey(storage.apiKeys, secret, clock.now());

/** Expects the one public refusal and returns the reason kept for the log. */
async function refusal(secret: string | undefined): Promise<ApiKeyRejection> {
  const error = await expectKeyraError(authenticate(secret), 'invalid_api_key');
  expect(error.message).toBe('Missing or invalid API key.');
  expect(error.status).toBe(401);
  return error.cause as ApiKeyRejection;
}

describe('createApiKey and authenticateApiKey', () => {
  it('issues sk_test_/sk_live_ keys and stores only their SHA-256', async () => {
    const sandbox = await issue();
    const live = await issue('production');
    expect(sandbox.secret).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(live.secret).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    const stored = await storage.apiKeys.findById(sandbox.record.id);
    expect(stored).toEqual(sandbox.record);
    expect(stored!.hash).toBe(createHash('sha256').update(sandbox.secret).digest('hex'));
    expect(stored!.displayPrefix).toBe(`${sandbox.secret.slice(0, 12)}…`);
    expect(JSON.stringify(stored)).not.toContain(sandbox.secret.slice(8));
  });

  it('resolves a key to its tenant, environment, id and audience', async () => {
    const sandbox = await issue();
    const live = await issue('production');
    expect(await authenticate(sandbox.secret)).toEqual({
      ...scope,
      keyId: sandbox.record.id,
      audience: 'acme',
    });
    expect(await authenticate(live.secret)).toEqual({
      tenantId: scope.tenantId,
      environment: 'production',
      keyId: live.record.id,
      audience: 'acme',
    });
  });

  it('a rotation keeps the audience', async () => {
    const old = await createApiKey(storage, {
      tenantId: scope.tenantId,
      environment: 'sandbox',
      audience: 'https://bank.example',
      now: clock.now(),
    });
    const rotated = await rotateApiKey(storage, {
      keyId: old.record.id,
      now: clock.now(),
      graceMs: 0,
    });
    if (rotated.outcome !== 'rotated') throw new Error(rotated.outcome);
    expect(rotated.replacement.record.audience).toBe('https://bank.example');
    expect((await authenticate(rotated.replacement.secret)).audience).toBe('https://bank.example');
  });

  it('refuses every bad key with the same error, the reason only in cause', async () => {
    const key = await issue();
    expect(await refusal(undefined)).toBe('missing');
    expect(await refusal('')).toBe('missing');
    expect(await refusal('Bearer sk_test_x')).toBe('malformed');
    expect(await refusal(`${key.secret}x`)).toBe('malformed');
    expect(await refusal(`sk_test_${'0'.repeat(32)}`)).toBe('unknown');
    // A real key's body under the other environment's prefix is another (unknown) key.
    expect(await refusal(key.secret.replace('sk_test_', 'sk_live_'))).toBe('unknown');
  });

  it('refuses a revoked key from the instant of revocation', async () => {
    const key = await issue();
    clock.advance(HOUR);
    expect(await storage.apiKeys.revoke(key.record.id, clock.now())).toBe(true);
    expect(await refusal(key.secret)).toBe('revoked');
  });

  it('refuses a stored key whose environment disagrees with its prefix', async () => {
    // Only a corrupted or hand-edited row can look like this; the key must not cross environments.
    const live = buildApiKey({
      tenantId: scope.tenantId,
      environment: 'production',
      audience: 'acme',
      now: 0,
    });
    await storage.apiKeys.insert({ ...live.record, environment: 'sandbox' });
    expect(await refusal(live.secret)).toBe('environment_mismatch');
  });
});

describe('rotateApiKey', () => {
  it('issues a replacement that works at once while the old key works for the grace period', async () => {
    const old = await issue();
    const rotated = await rotateApiKey(storage, {
      keyId: old.record.id,
      now: clock.now(),
      graceMs: 24 * HOUR,
    });
    expect(rotated).toMatchObject({ outcome: 'rotated', oldKeyExpiresAt: clock.now() + 24 * HOUR });
    if (rotated.outcome !== 'rotated') return;
    const fresh = rotated.replacement;
    expect(fresh.record).toMatchObject({ tenantId: scope.tenantId, environment: 'sandbox' });
    expect(await storage.apiKeys.findById(old.record.id)).toMatchObject({
      replacedBy: fresh.record.id,
      expiresAt: clock.now() + 24 * HOUR,
    });

    expect(await authenticate(fresh.secret)).toMatchObject({ keyId: fresh.record.id });
    clock.advance(24 * HOUR - 1);
    expect(await authenticate(old.secret)).toMatchObject({ keyId: old.record.id });
    clock.advance(1);
    expect(await refusal(old.secret)).toBe('expired');
    expect(await authenticate(fresh.secret)).toMatchObject({ keyId: fresh.record.id });
  });

  it('retires the old key immediately with no grace', async () => {
    const old = await issue();
    await rotateApiKey(storage, { keyId: old.record.id, now: clock.now(), graceMs: 0 });
    expect(await refusal(old.secret)).toBe('expired');
  });

  it('rotates a key once: a replaced, revoked or expired key is inactive and nothing is issued', async () => {
    const replaced = await issue();
    await rotateApiKey(storage, {
      keyId: replaced.record.id,
      now: clock.now(),
      graceMs: HOUR,
    });
    const revoked = await issue();
    await storage.apiKeys.revoke(revoked.record.id, clock.now());
    const count = (await storage.apiKeys.listForTenant(scope.tenantId)).length;

    for (const key of [replaced, revoked]) {
      expect(
        await rotateApiKey(storage, {
          keyId: key.record.id,
          now: clock.now(),
          graceMs: HOUR,
        }),
      ).toEqual({ outcome: 'inactive' });
    }
    expect(
      await rotateApiKey(storage, {
        keyId: 'key_unknown',
        now: clock.now(),
        graceMs: HOUR,
      }),
    ).toEqual({ outcome: 'not_found' });
    expect(await storage.apiKeys.listForTenant(scope.tenantId)).toHaveLength(count);
  });

  it('lets one of two concurrent rotations of a key win', async () => {
    const old = await issue();
    const results = await Promise.all(
      [1, 2].map(() =>
        rotateApiKey(storage, { keyId: old.record.id, now: clock.now(), graceMs: HOUR }),
      ),
    );
    expect(results.map((r) => r.outcome).sort()).toEqual(['inactive', 'rotated']);
    expect(await storage.apiKeys.listForTenant(scope.tenantId)).toHaveLength(2);
  });
});
