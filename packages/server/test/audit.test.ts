import { createHash } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { verifyAuditChain, type AuditEntry } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { easVerifies, type StampBody } from './helpers/eas.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

type EntryJson = Omit<AuditEntry, 'occurredAt'> & { occurredAt: string };

/** An entry as the API shows it, back to the record `verifyAuditChain` checks. */
const toRecord = (entry: EntryJson): AuditEntry => ({
  ...entry,
  occurredAt: Date.parse(entry.occurredAt),
});

describe('audit API', () => {
  let t: TestApp;
  let live: string;
  let sandbox: string;
  let other: string;
  beforeEach(async () => {
    t = await createTestApp();
    live = await t.key('acme', 'production');
    sandbox = await t.key('acme', 'sandbox');
    other = await t.key('globex', 'production');
  });
  afterEach(async () => t.close());

  const get = (url: string, key = live) =>
    t.app.inject({ method: 'GET', url, headers: bearer(key) });
  const createChallenge = (key: string, userId = 'usr_1') =>
    t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: { action: 'payment.approve', userId, payload: { amount: 4200 } },
    });

  it('lists the tenant chain in order, verifiable by a client, and never another tenant’s', async () => {
    for (const key of [live, sandbox, live])
      expect((await createChallenge(key)).statusCode).toBe(201);
    expect((await createChallenge(other, 'usr_globex')).statusCode).toBe(201);

    const page = await get('/v1/audit');
    expect(page.statusCode, page.body).toBe(200);
    const entries = page.json().data as EntryJson[];
    expect(entries.map((e) => [e.seq, e.type, e.environment])).toEqual([
      [1, 'api_key.created', 'production'],
      [2, 'api_key.created', 'sandbox'],
      [3, 'challenge.created', 'production'],
      [4, 'challenge.created', 'sandbox'],
      [5, 'challenge.created', 'production'],
    ]);
    expect(entries[2]!.actor).toMatch(/^key_/);
    expect(entries[2]!.occurredAt).toBe('2026-05-29T18:40:00.000Z');
    expect(verifyAuditChain(entries.map(toRecord))).toMatchObject({ intact: true, count: 5 });
    expect(JSON.stringify(entries)).not.toContain('usr_globex');

    const theirs = (await get('/v1/audit', other)).json().data as EntryJson[];
    expect(theirs.map((e) => e.type)).toEqual(['api_key.created', 'challenge.created']);
    expect(new Set(theirs.map((e) => e.tenantId)).size).toBe(1);
    expect(theirs[0]!.tenantId).not.toBe(entries[0]!.tenantId);
  });

  it('pages with a cursor, filters, and refuses a forged cursor', async () => {
    for (let i = 0; i < 3; i += 1) await createChallenge(live, `usr_${i}`);
    const first = (await get('/v1/audit?limit=2')).json();
    expect(first.data.map((e: EntryJson) => e.seq)).toEqual([1, 2]);
    expect(first.hasMore).toBe(true);
    const second = (await get(`/v1/audit?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.data.map((e: EntryJson) => e.seq)).toEqual([3, 4]);
    // The second page continues the first: checked against its last entry.
    expect(
      verifyAuditChain(second.data.map(toRecord), {
        after: { seq: 2, hash: first.data[1].hash },
      }).intact,
    ).toBe(true);

    const created = (await get('/v1/audit?type=challenge.created')).json().data as EntryJson[];
    expect(created).toHaveLength(3);
    const one = (await get(`/v1/audit?subject=${created[1]!.subject}`)).json().data;
    expect(one).toEqual([created[1]]);
    expect((await get('/v1/audit?since=2030-01-01T00:00:00Z')).json().data).toEqual([]);

    const forged = await get('/v1/audit?cursor=bm9wZQ');
    expect(forged.statusCode).toBe(400);
    expect(forged.json().code).toBe('invalid_cursor');
    const badType = await get('/v1/audit?type=nope');
    expect(badType.statusCode).toBe(400);
    expect(badType.json().code).toBe('validation_failed');
  });

  it('shows a sandbox key only sandbox entries', async () => {
    await createChallenge(live);
    await createChallenge(sandbox);
    const seen = (await get('/v1/audit', sandbox)).json().data as EntryJson[];
    expect(seen.map((e) => e.environment)).toEqual(['sandbox', 'sandbox']);
    const refused = await get('/v1/audit?environment=production', sandbox);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('forbidden_environment');
  });

  it('exports the same entries as NDJSON', async () => {
    for (let i = 0; i < 3; i += 1) await createChallenge(live, `usr_${i}`);
    const exported = await get('/v1/audit/export');
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = exported.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as EntryJson);
    expect(lines).toEqual((await get('/v1/audit')).json().data);
    expect(verifyAuditChain(lines.map(toRecord)).intact).toBe(true);
    const filtered = await get('/v1/audit/export?type=api_key.created');
    expect(filtered.body.trimEnd().split('\n')).toHaveLength(2);
  });

  it('signs a checkpoint of the head on demand, verifiable with the JWKS, and lists it', async () => {
    await createChallenge(live);
    t.clock.advance(1000);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/audit/checkpoints',
      headers: bearer(live),
    });
    expect(created.statusCode, created.body).toBe(201);
    const checkpoint = created.json();
    const entries = (await get('/v1/audit')).json().data as EntryJson[];
    const head = entries[entries.length - 1]!;
    expect(checkpoint).toMatchObject({ seq: head.seq, hash: head.hash });

    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const { payload, protectedHeader } = await jwtVerify(
      checkpoint.signature,
      createLocalJWKSet(jwks),
      { typ: 'keyra-audit-checkpoint+jwt' },
    );
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      tenant_id: head.tenantId,
      seq: head.seq,
      head_hash: head.hash,
      jti: checkpoint.id,
    });

    const listed = (await get('/v1/audit/checkpoints')).json();
    expect(listed).toEqual({ data: [checkpoint], hasMore: false, nextCursor: null });
    expect((await get('/v1/audit/checkpoints', other)).json().data).toEqual([]);
  });

  it('stamps each checkpoint: a public stamp over the checkpoint JWS, attested with EAS', async () => {
    await createChallenge(live);
    const checkpoint = (
      await t.app.inject({ method: 'POST', url: '/v1/audit/checkpoints', headers: bearer(live) })
    ).json();
    expect(checkpoint.stampId).toMatch(/^stp_/);
    const stamp = (
      await t.app.inject({ method: 'GET', url: `/v1/stamps/${checkpoint.stampId}` })
    ).json() as StampBody;
    expect(stamp).toMatchObject({
      stamp_id: checkpoint.stampId,
      method: 'audit_checkpoint',
      environment: 'production',
      proof_sha256: createHash('sha256').update(checkpoint.signature).digest('hex'),
    });
    // Nothing of the tenant's chain beyond the hash of the signed checkpoint is public.
    expect(JSON.stringify(stamp)).not.toContain(checkpoint.hash);
    const stampsConfig = (
      await t.app.inject({ method: 'GET', url: '/.well-known/keyra-stamps.json' })
    ).json();
    expect(easVerifies(stamp, stampsConfig.eas.attester)).toBe(true);
    // The KEYRA signature of the stamp itself verifies with the JWKS.
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const { payload } = await jwtVerify(stamp.signature, createLocalJWKSet(jwks));
    expect(payload).toMatchObject({ stamp_id: checkpoint.stampId, method: 'audit_checkpoint' });
    // An audit read names the stamp in the checkpoint list too.
    expect((await get('/v1/audit/checkpoints')).json().data[0].stampId).toBe(checkpoint.stampId);
  });
});
