import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, calculateJwkThumbprint, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Keyra, ProofVerificationError } from '../src/index.js';

/*
 * proofs.verify against proofs signed here with jose and a local JWKS server that counts its
 * fetches, as the KEYRA server publishes them (docs/proofs.md).
 */

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey; kid: string };
let server: http.Server;
let baseUrl: string;
let published: Pair[] = [];
let fetches = 0;
let first: Pair;
let second: Pair;

async function pair(): Promise<Pair> {
  const keys = await generateKeyPair('ES256');
  return { ...keys, kid: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) };
}

const claims = {
  sub: 'usr_8f2a',
  jti: 'prf_abcd',
  challengeId: 'chl_abcd',
  action: 'transfer.approve',
  // The RFC 8785 text of { n: [1.5, -0], note: 'é 🙂', currency: 'USD', amount: 12500 }, written out.
  payloadDigest: createHash('sha256')
    .update('{"amount":12500,"currency":"USD","n":[1.5,0],"note":"é 🙂"}')
    .digest('hex'),
  challengeDigest: 'b'.repeat(64),
  method: 'device',
  deviceId: 'dev_abcd',
  env: 'sandbox',
};

function signProof(key: Pair, overrides: { typ?: string; iss?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: overrides.typ ?? 'keyra-proof+jwt' })
    .setIssuer(overrides.iss ?? baseUrl)
    .setIssuedAt()
    .sign(key.privateKey);
}

beforeAll(async () => {
  [first, second] = await Promise.all([pair(), pair()]);
  published = [first];
  server = http.createServer(async (req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    fetches += 1;
    const keys = await Promise.all(
      published.map(async (p) => ({
        ...(await exportJWK(p.publicKey)),
        kid: p.kid,
        alg: 'ES256',
        use: 'sig',
      })),
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('proofs.verify', () => {
  it('accepts a valid proof, returns its claims, and caches the JWKS', async () => {
    fetches = 0;
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const verified = await keyra.proofs.verify(proof, { issuer: baseUrl, env: 'sandbox' });
    expect(verified).toMatchObject({ ...claims, iss: baseUrl });
    await keyra.proofs.verify(proof);
    expect(fetches).toBe(1);
  });

  it('refetches the JWKS once for an unknown kid (a rotation), and rejects a kid still unknown', async () => {
    fetches = 0;
    published = [first];
    const keyra = new Keyra({ baseUrl });
    await keyra.proofs.verify(await signProof(first));
    published = [second, first];
    await expect(keyra.proofs.verify(await signProof(second))).resolves.toMatchObject({
      sub: 'usr_8f2a',
    });
    expect(fetches).toBe(2);
    const stranger = await pair();
    await expect(keyra.proofs.verify(await signProof(stranger))).rejects.toThrow(/No key/);
    expect(fetches).toBe(3);
  });

  it('rejects a tampered payload, a wrong typ, a wrong issuer and a wrong environment', async () => {
    published = [first, second];
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const [h, p, s] = proof.split('.') as [string, string, string];
    const tampered = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p, 'base64url').toString()),
        action: 'wire.send',
      }),
    ).toString('base64url');
    await expect(keyra.proofs.verify(`${h}.${tampered}.${s}`)).rejects.toThrow(
      ProofVerificationError,
    );
    await expect(keyra.proofs.verify(await signProof(first, { typ: 'JWT' }))).rejects.toThrow(
      /keyra-proof/,
    );
    await expect(keyra.proofs.verify(proof, { issuer: 'https://keyra.example' })).rejects.toThrow(
      /issued by/,
    );
    await expect(keyra.proofs.verify(proof, { env: 'production' })).rejects.toThrow(/sandbox/);
    await expect(keyra.proofs.verify('not.a.jws')).rejects.toThrow(ProofVerificationError);
    // A signature from another key under a published kid.
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: first.kid, typ: 'keyra-proof+jwt' })
      .sign(second.privateKey);
    await expect(keyra.proofs.verify(forged)).rejects.toThrow(/does not verify/);
  });

  it('checks action and payload against the RFC 8785 digest', async () => {
    published = [first];
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const payload = { n: [1.5, -0], note: 'é 🙂', currency: 'USD', amount: 12500 };
    await expect(
      keyra.proofs.verify(proof, { action: 'transfer.approve', payload }),
    ).resolves.toMatchObject({ challengeId: 'chl_abcd' });
    await expect(keyra.proofs.verify(proof, { action: 'wire.send' })).rejects.toMatchObject({
      code: 'proof_claim_mismatch',
    });
    await expect(
      keyra.proofs.verify(proof, { payload: { ...payload, amount: 12501 } }),
    ).rejects.toMatchObject({ code: 'proof_claim_mismatch', message: /another payload/ });
    await expect(keyra.proofs.verify(proof, { payload: { amount: NaN } })).rejects.toMatchObject({
      code: 'proof_claim_mismatch',
    });
  });
});
