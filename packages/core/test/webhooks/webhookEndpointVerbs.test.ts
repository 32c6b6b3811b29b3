import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSecretBox,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  KeyraError,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  type Scope,
  type WebhookUrlGuard,
} from '../../src/index.js';
import { openTestStorage, T0, type TestStorage } from '../helpers/openTestStorage.js';

const SERVER_SECRET = Buffer.alloc(32, 7);
/** The box the server builds for webhook secrets (`createWebhookSecretBox`). */
const box = createSecretBox(SERVER_SECRET, 'webhook-secrets');
const OVERLAP_MS = 24 * 3600_000;

/** Refuses hosts under `.internal`, as the SSRF guard refuses private addresses. */
const urls: WebhookUrlGuard = {
  async check(url) {
    return new URL(url).hostname.endsWith('.internal')
      ? { reason: 'blocked', message: 'the host resolves to a private address' }
      : null;
  },
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KeyraError) return error.code;
    throw error;
  }
  throw new Error('expected a KeyraError');
}

describe('webhook endpoint verbs on SQLite', () => {
  let t: TestStorage;
  let now: number;
  const store = (): TestStorage['storage']['webhookEndpoints'] => t.storage.webhookEndpoints;
  const create = (scope: Scope, url = 'https://hooks.example.com/keyra') =>
    createWebhookEndpoint(
      scope,
      { url, events: ['device.revoked'] },
      { storage: t.storage, box, urls, now },
    );

  beforeEach(async () => {
    t = await openTestStorage();
    now = T0;
  });
  afterEach(async () => {
    await t.storage.close();
  });

  it('creates an endpoint whose secret is stored sealed, in the format existing rows use', async () => {
    const { endpoint, secret } = await createWebhookEndpoint(
      t.scope,
      { url: 'https://hooks.example.com/a', events: ['*'], description: 'ops' },
      { storage: t.storage, box, urls, now },
    );
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    const stored = await store().find(t.scope, endpoint.id);
    expect(stored).toEqual(endpoint);
    expect(stored).toMatchObject({
      enabled: true,
      description: 'ops',
      createdAt: T0,
      updatedAt: T0,
      sealedPreviousSecret: null,
    });
    expect(stored?.sealedSecret).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(stored?.sealedSecret).not.toContain(secret.slice(6, 20));
    // A fresh box from the same server secret opens it, bound to this endpoint's id only.
    const reopened = createSecretBox(SERVER_SECRET, 'webhook-secrets');
    expect(reopened.open(stored!.sealedSecret, endpoint.id).toString('utf8')).toBe(secret);
    expect(() => reopened.open(stored!.sealedSecret, 'we_other')).toThrow();
  });

  it('uses the random source it is given for the id and the secret', async () => {
    const zeros = (n: number): Uint8Array => new Uint8Array(n);
    const { endpoint, secret } = await createWebhookEndpoint(
      t.scope,
      { url: 'https://hooks.example.com/a', events: ['*'] },
      { storage: t.storage, box, urls, now, random: zeros },
    );
    expect(secret).toBe(`whsec_${Buffer.alloc(32).toString('base64')}`);
    expect(endpoint.id).toMatch(/^we_0+$/);
  });

  it('refuses a URL the guard refuses, and stores nothing', async () => {
    const refused = create(t.scope, 'https://metadata.internal/hook');
    await expect(refused).rejects.toMatchObject({
      code: 'invalid_webhook_url',
      message: 'The webhook URL was refused: the host resolves to a private address.',
      details: [{ field: 'url', issue: 'blocked' }],
    });
    expect(await store().list(t.scope)).toEqual([]);
  });

  it('updates fields, checks a new URL, and enabling clears the failure state', async () => {
    const { endpoint } = await create(t.scope);
    now = T0 + 1000;
    const updated = await updateWebhookEndpoint(
      t.scope,
      endpoint.id,
      { events: ['*'], description: null },
      { storage: t.storage, urls, now },
    );
    expect(updated).toMatchObject({ events: ['*'], description: null, updatedAt: T0 + 1000 });

    const badUrl = updateWebhookEndpoint(
      t.scope,
      endpoint.id,
      { url: 'https://db.internal/' },
      { storage: t.storage, urls, now },
    );
    expect(await codeOf(badUrl)).toBe('invalid_webhook_url');
    expect((await store().find(t.scope, endpoint.id))?.url).toBe(endpoint.url);

    await store().recordOutcome(endpoint.id, false, now);
    await store().disable(endpoint.id, 'failing_for_5_days', now);
    const enabled = await updateWebhookEndpoint(
      t.scope,
      endpoint.id,
      { enabled: true },
      { storage: t.storage, urls, now },
    );
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
  });

  it('rotates the secret and keeps the old one signing for the overlap', async () => {
    const { endpoint, secret: first } = await create(t.scope);
    now = T0 + 60_000;
    const { endpoint: rotated, secret: second } = await rotateWebhookSecret(t.scope, endpoint.id, {
      storage: t.storage,
      box,
      overlapMs: OVERLAP_MS,
      now,
    });
    expect(second).not.toBe(first);
    const stored = await store().find(t.scope, endpoint.id);
    expect(stored).toEqual(rotated);
    expect(stored).toMatchObject({ previousSecretExpiresAt: now + OVERLAP_MS, updatedAt: now });
    expect(box.open(stored!.sealedSecret, endpoint.id).toString('utf8')).toBe(second);
    // The previous sealed secret is the row's old value, byte for byte.
    expect(stored!.sealedPreviousSecret).toBe(endpoint.sealedSecret);
    expect(box.open(stored!.sealedPreviousSecret!, endpoint.id).toString('utf8')).toBe(first);
  });

  it('deletes an endpoint once; afterwards it is not found', async () => {
    const { endpoint } = await create(t.scope);
    const deleted = await deleteWebhookEndpoint(t.scope, endpoint.id, { storage: t.storage, now });
    expect(deleted).toMatchObject({ id: endpoint.id, enabled: false });
    expect(await store().find(t.scope, endpoint.id)).toBeNull();
    expect(
      await codeOf(deleteWebhookEndpoint(t.scope, endpoint.id, { storage: t.storage, now })),
    ).toBe('webhook_endpoint_not_found');
    const rotate = rotateWebhookSecret(t.scope, endpoint.id, {
      storage: t.storage,
      box,
      overlapMs: OVERLAP_MS,
      now,
    });
    expect(await codeOf(rotate)).toBe('webhook_endpoint_not_found');
  });

  it("treats another tenant's or environment's endpoint as absent, and changes nothing", async () => {
    const { endpoint } = await create(t.scope);
    for (const scope of [t.otherTenant, t.otherEnvironment]) {
      expect(await codeOf(findWebhookEndpoint(scope, endpoint.id, store()))).toBe(
        'webhook_endpoint_not_found',
      );
      const update = updateWebhookEndpoint(
        scope,
        endpoint.id,
        { url: 'https://attacker.example.com/' },
        { storage: t.storage, urls, now },
      );
      expect(await codeOf(update)).toBe('webhook_endpoint_not_found');
      const rotate = rotateWebhookSecret(scope, endpoint.id, {
        storage: t.storage,
        box,
        overlapMs: OVERLAP_MS,
        now,
      });
      expect(await codeOf(rotate)).toBe('webhook_endpoint_not_found');
      expect(
        await codeOf(deleteWebhookEndpoint(scope, endpoint.id, { storage: t.storage, now })),
      ).toBe('webhook_endpoint_not_found');
    }
    expect(await store().find(t.scope, endpoint.id)).toEqual(endpoint);
  });

  it('refuses an id that is not an endpoint id before looking it up', async () => {
    expect(await codeOf(findWebhookEndpoint(t.scope, 'dev_abc', store()))).toBe('invalid_id');
    const update = updateWebhookEndpoint(t.scope, 'nope', {}, { storage: t.storage, urls, now });
    expect(await codeOf(update)).toBe('invalid_id');
  });
});
