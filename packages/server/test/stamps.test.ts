import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  approve,
  pairSimulator,
  reject,
  signChallenge,
  type PairedSimulator,
} from './helpers/simulator.js';
import { eas, easVerifies, type StampBody } from './helpers/eas.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('stamps', () => {
  let t: TestApp;
  let key: string;
  let device: PairedSimulator;

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    device = await pairSimulator(t.app, key, 'usr_8f2a');
  });
  afterEach(async () => t.close());

  async function approved(fields: Record<string, unknown>, decide = approve) {
    const { id, body } = await signChallenge(
      t.app,
      key,
      device,
      { action: 'transfer.approve', userId: 'usr_8f2a', payload: { amount: 12500 }, ...fields },
      decide,
    );
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${id}/verify`,
      headers: bearer(key),
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    return { id, res: res.json() };
  }

  const getStamp = (id: string) => t.app.inject({ method: 'GET', url: `/v1/stamps/${id}` });

  it('an approval that asked for one yields a stamp, public and verifiable offline', async () => {
    const { id, res } = await approved({ stamp: true });
    const stamp = res.stamp as StampBody;
    expect(stamp).toMatchObject({
      object: 'stamp',
      stamp_id: expect.stringMatching(/^stp_[0-9A-Za-z]{24}$/),
      proof_sha256: createHash('sha256').update(res.proof).digest('hex'),
      issued_at: '2026-05-29T18:40:00Z',
      method: 'device',
      environment: 'sandbox',
      eas: { schema: 'bytes32 proofHash, uint64 issuedAt, string method', onchain: null },
    });

    // Public: no key at all.
    const fetched = await getStamp(stamp.stamp_id);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(stamp);
    const challenge = (
      await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
    ).json();
    expect(challenge).toMatchObject({ stampRequested: true, stampId: stamp.stamp_id });

    // The signature: the proof keys, its own type, claims equal to the fields.
    const jwks = createLocalJWKSet(
      (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json(),
    );
    const { payload } = await jwtVerify(stamp.signature, jwks, { typ: 'keyra-stamp+jwt' });
    expect(payload).toMatchObject({
      stamp_id: stamp.stamp_id,
      proof_sha256: stamp.proof_sha256,
      issued_at: stamp.issued_at,
      method: 'device',
      env: 'sandbox',
      jti: stamp.stamp_id,
    });
    expect(decodeProtectedHeader(res.proof).typ).toBe('keyra-proof+jwt');

    // No personal data: no user, tenant, action or payload anywhere in the public form.
    const text = fetched.body;
    for (const secret of ['usr_8f2a', 'transfer.approve', '12500', id, device.deviceId, 'acme']) {
      expect(text).not.toContain(secret);
    }
  });

  it("the EAS off-chain attestation verifies with the EAS SDK, by the published attester, over the stamp's fields", async () => {
    const { res } = await approved({ stamp: true });
    const stamp = res.stamp as StampBody;
    const config = (
      await t.app.inject({ method: 'GET', url: '/.well-known/keyra-stamps.json' })
    ).json();
    expect(config.eas).toMatchObject({
      schema: stamp.eas.schema,
      schema_uid: eas.SchemaRegistry.getSchemaUID(
        stamp.eas.schema,
        '0x0000000000000000000000000000000000000000',
        true,
      ),
      attester: stamp.eas.attester,
      domain: {
        name: 'EAS Attestation',
        version: '0.26',
        chainId: 1,
        verifyingContract: '0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587',
      },
      onchain: false,
    });
    expect(stamp.eas.offchain.signer).toBe(config.eas.attester);
    expect(easVerifies(stamp, config.eas.attester)).toBe(true);

    const sig = stamp.eas.offchain.sig as unknown as {
      message: { schema: string; data: string; time: string; recipient: string };
    };
    expect(sig.message.schema).toBe(config.eas.schema_uid);
    expect(sig.message.time).toBe(String(Date.parse(stamp.issued_at) / 1000));
    const decoded = new eas.SchemaEncoder(stamp.eas.schema).decodeData(sig.message.data);
    expect(Object.fromEntries(decoded.map((d) => [d.name, String(d.value.value)]))).toEqual({
      proofHash: `0x${stamp.proof_sha256}`,
      issuedAt: String(Date.parse(stamp.issued_at) / 1000),
      method: 'device',
    });

    // Attacks: another key's signature, or a changed field, fail the SDK's check.
    expect(easVerifies(stamp, '0x70997970C51812dc3A010C7d01b50e0d17dc79C8')).toBe(false);
    const forged = structuredClone(stamp);
    const forgedSig = forged.eas.offchain.sig as unknown as { message: { data: string } };
    forgedSig.message.data = new eas.SchemaEncoder(stamp.eas.schema).encodeData([
      { name: 'proofHash', type: 'bytes32', value: `0x${'00'.repeat(32)}` },
      { name: 'issuedAt', type: 'uint64', value: 1n },
      { name: 'method', type: 'string', value: 'device' },
    ]);
    expect(easVerifies(forged, config.eas.attester)).toBe(false);
  });

  it('the attester key is generated once and shared by every app on the database', async () => {
    const { res } = await approved({ stamp: true });
    const again = await approved({ stamp: true });
    expect(again.res.stamp.eas.attester).toBe(res.stamp.eas.attester);
    const sealed = await t.storage.serverState.get('eas.attester');
    expect(sealed).not.toBeNull();
    expect(sealed).not.toMatch(/^0x[0-9a-f]{64}$/i);
  });

  it('uses KEYRA_EAS_ATTESTER_KEY when configured', async () => {
    const configured = await createTestApp({
      env: {
        KEYRA_EAS_ATTESTER_KEY: '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
      },
    });
    try {
      const config = (
        await configured.app.inject({ method: 'GET', url: '/.well-known/keyra-stamps.json' })
      ).json();
      // Hardhat's public test account #1.
      expect(config.eas.attester).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8');
    } finally {
      await configured.close();
    }
  });

  it('no stamp unless asked for, and none for a rejection', async () => {
    const plain = await approved({});
    expect(plain.res.stamp).toBeNull();
    const rejected = await approved({ stamp: true }, reject);
    expect(rejected.res).toMatchObject({ status: 'rejected', proof: null, stamp: null });
    const challenge = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/challenges/${rejected.id}`,
        headers: bearer(key),
      })
    ).json();
    expect(challenge).toMatchObject({ stampRequested: true, stampId: null });
  });

  it('refuses a non-boolean stamp flag and malformed or unknown stamp ids', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: { action: 'a.b', userId: 'u', stamp: 'yes' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation_failed');
    expect((await getStamp('chl_abcdefgh')).json()).toMatchObject({ code: 'invalid_id' });
    const missing = await getStamp('stp_abcdefghijklmnopqrstuvwx');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('stamp_not_found');
  });

  it('the public lookup is rate limited per IP', async () => {
    const limited = await createTestApp({ env: { KEYRA_RATE_LIMIT_PER_IP: '3' } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await limited.app.inject({
          method: 'GET',
          url: '/v1/stamps/stp_abcdefghijklmnopqrstuvwx',
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.json().code).toBe('rate_limit_exceeded');
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(res.headers['x-ratelimit-limit']).toBe('3');
        }
      }
      expect(codes).toEqual([404, 404, 404, 429]);
    } finally {
      await limited.close();
    }
  });
});
