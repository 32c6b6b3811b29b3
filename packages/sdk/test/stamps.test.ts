import { createHash } from 'node:crypto';
import http from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Keyra, NotFoundError, ProofVerificationError, type Stamp } from '../src/index.js';

/*
 * stamps.retrieve and stamps.verify against stamps signed here with jose (as the server signs
 * them, docs/stamps.md) and a local server that publishes the JWKS, serves one stamp, and
 * records what each request carried.
 */

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey; kid: string };
let server: http.Server;
let baseUrl: string;
let published: Pair[] = [];
let jwksFetches = 0;
let stampRequests: http.IncomingHttpHeaders[] = [];
let served: Stamp | undefined;
let key: Pair;
let proof: string;

async function pair(): Promise<Pair> {
  const keys = await generateKeyPair('ES256');
  return { ...keys, kid: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) };
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'ascii').digest('hex');

function signProof(signer: Pair): Promise<string> {
  return (
    new SignJWT({ sub: 'usr_8f2a', jti: 'prf_abcd', method: 'device', env: 'sandbox' })
      .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: 'keyra-proof+jwt' })
      .setIssuer(baseUrl)
      .setIssuedAt(1_795_341_871)
      // proofs.verify checks exp against the real clock: far enough ahead for this fixture.
      .setExpirationTime(1_795_341_871 + 10 * 365 * 86_400)
      .sign(signer.privateKey)
  );
}

/** A stamp as the server returns it; `claims` and `typ` override what gets signed. */
async function makeStamp(
  options: { signer?: Pair; typ?: string; claims?: Record<string, unknown> } = {},
): Promise<Stamp> {
  const signer = options.signer ?? key;
  const fields = {
    stamp_id: 'stp_4Qm9xT2bLw8RkZ1yV7nC3pHd',
    proof_sha256: sha256(proof),
    issued_at: '2026-11-22T10:04:31Z',
    method: 'device' as const,
    environment: 'sandbox' as const,
  };
  const signature = await new SignJWT({
    jti: fields.stamp_id,
    stamp_id: fields.stamp_id,
    proof_sha256: fields.proof_sha256,
    issued_at: fields.issued_at,
    method: fields.method,
    env: fields.environment,
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'ES256', kid: signer.kid, typ: options.typ ?? 'keyra-stamp+jwt' })
    .setIssuer(baseUrl)
    .setIssuedAt(Date.parse(fields.issued_at) / 1000)
    .sign(signer.privateKey);
  return {
    object: 'stamp',
    ...fields,
    signature,
    eas: {
      schema: 'bytes32 proofHash, uint64 issuedAt, string method',
      schema_uid: `0x${'1'.repeat(64)}`,
      attester: null,
      offchain: null,
      onchain: null,
    },
  };
}

beforeAll(async () => {
  key = await pair();
  published = [key];
  server = http.createServer(async (req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      jwksFetches += 1;
      const keys = await Promise.all(
        published.map(async (p) => ({ ...(await exportJWK(p.publicKey)), kid: p.kid })),
      );
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys }));
    }
    if (req.url === '/.well-known/keyra-stamps.json') {
      stampRequests.push(req.headers);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: baseUrl,
          jwks_uri: `${baseUrl}/.well-known/jwks.json`,
          eas: null,
        }),
      );
    }
    if (req.url?.startsWith('/v1/stamps/')) {
      stampRequests.push(req.headers);
      if (served !== undefined && req.url === `/v1/stamps/${served.stamp_id}`) {
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(served));
      }
      return void res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ code: 'stamp_not_found', message: 'No stamp.' }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  proof = await signProof(key);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  published = [key];
  jwksFetches = 0;
  stampRequests = [];
  served = undefined;
});

describe('stamps.retrieve', () => {
  it('sends no API key, even from a client that has one, and works without one', async () => {
    served = await makeStamp();
    const withKey = new Keyra({ baseUrl, apiKey: 'sk_test_unit' });
    await expect(withKey.stamps.retrieve(served.stamp_id)).resolves.toEqual(served);
    const withoutKey = new Keyra({ baseUrl, apiKey: undefined });
    await expect(withoutKey.stamps.retrieve(served.stamp_id)).resolves.toEqual(served);
    expect(stampRequests).toHaveLength(2);
    expect(stampRequests.map((h) => h.authorization ?? h['x-api-key'])).toEqual([
      undefined,
      undefined,
    ]);
    await expect(withKey.stamps.retrieve('stp_unknown0000')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('stamps.configuration', () => {
  it('reads /.well-known/keyra-stamps.json without sending the API key', async () => {
    const config = await new Keyra({ baseUrl, apiKey: 'sk_test_unit' }).stamps.configuration();
    expect(config).toEqual({
      issuer: baseUrl,
      jwks_uri: `${baseUrl}/.well-known/jwks.json`,
      eas: null,
    });
    expect(stampRequests.map((h) => h.authorization ?? h['x-api-key'])).toEqual([undefined]);
  });
});

describe('stamps.verify', () => {
  it('accepts a valid stamp with its proof, returns the claims, and shares the proofs JWKS', async () => {
    const keyra = new Keyra({ baseUrl });
    const stamp = await makeStamp();
    const claims = await keyra.stamps.verify(stamp, { proof, issuer: baseUrl, env: 'sandbox' });
    expect(claims).toMatchObject({
      iss: baseUrl,
      jti: stamp.stamp_id,
      iat: Date.parse(stamp.issued_at) / 1000,
      stamp_id: stamp.stamp_id,
      proof_sha256: stamp.proof_sha256,
      issued_at: stamp.issued_at,
      method: 'device',
      env: 'sandbox',
    });
    // Without the proof, and as plain JSON (a stored copy, an approval's `stamp`).
    await keyra.stamps.verify(JSON.parse(JSON.stringify(stamp)) as Record<string, unknown>);
    await keyra.proofs.verify(proof);
    expect(jwksFetches).toBe(1);
  });

  it('rejects a stamp whose fields differ from what was signed', async () => {
    const keyra = new Keyra({ baseUrl });
    const stamp = await makeStamp();
    const changes: Partial<Record<keyof Stamp, string>> = {
      stamp_id: 'stp_4Qm9xT2bLw8RkZ1yV7nC3pHe',
      proof_sha256: sha256('another proof'),
      issued_at: '2026-11-22T10:04:32Z',
      method: 'passkey',
      environment: 'production',
    };
    for (const [field, value] of Object.entries(changes)) {
      const error = await keyra.stamps.verify({ ...stamp, [field]: value }).catch((e) => e);
      expect(error, field).toBeInstanceOf(ProofVerificationError);
      expect(error, field).toMatchObject({ code: 'stamp_invalid' });
      expect((error as Error).message, field).toContain(field);
    }
    // A missing field is not equal to the signed one either.
    const { method: _method, ...partial } = stamp;
    await expect(keyra.stamps.verify(partial)).rejects.toThrow(/method/);
    // The claims changed under the original signature.
    const [h, p, s] = stamp.signature.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, env: 'production' })).toString(
      'base64url',
    );
    await expect(
      keyra.stamps.verify({
        ...stamp,
        environment: 'production',
        signature: `${h}.${forged}.${s}`,
      }),
    ).rejects.toThrow(/does not verify/);
    // Signed claims that disagree with the fields (a signer's mistake is not papered over).
    const inconsistent = await makeStamp({ claims: { method: 'voice' } });
    await expect(keyra.stamps.verify(inconsistent)).rejects.toThrow(/method/);
    await expect(keyra.stamps.verify({ ...stamp, signature: 'not.a.jws' })).rejects.toThrow(
      ProofVerificationError,
    );
    await expect(keyra.stamps.verify({ ...stamp, signature: undefined })).rejects.toThrow(
      /no signature/,
    );
    await expect(keyra.stamps.verify(null as never)).rejects.toThrow(ProofVerificationError);
  });

  it('never takes a proof for a stamp, nor a stamp for a proof (typ)', async () => {
    const keyra = new Keyra({ baseUrl });
    const asProof = await makeStamp({ typ: 'keyra-proof+jwt' });
    await expect(keyra.stamps.verify(asProof)).rejects.toThrow(/keyra-stamp\+jwt/);
    const untyped = await makeStamp({ typ: 'JWT' });
    await expect(keyra.stamps.verify(untyped)).rejects.toThrow(/keyra-stamp\+jwt/);
    // A real proof JWS in the signature's place.
    const stamp = await makeStamp();
    await expect(keyra.stamps.verify({ ...stamp, signature: proof })).rejects.toThrow(
      /keyra-stamp\+jwt/,
    );
    // And a stamp's signature handed to the proof verifier.
    await expect(keyra.proofs.verify(stamp.signature)).rejects.toThrow(/keyra-proof\+jwt/);
  });

  it('rejects a proof other than the one the stamp commits to', async () => {
    const keyra = new Keyra({ baseUrl });
    const stamp = await makeStamp();
    const other = await signProof(key);
    expect(other).not.toBe(proof); // ECDSA signatures are randomised
    await expect(keyra.stamps.verify(stamp, { proof: other })).rejects.toThrow(/proof_sha256/);
    await expect(keyra.stamps.verify(stamp, { proof: `${proof} ` })).rejects.toThrow(
      /proof_sha256/,
    );
    await expect(keyra.stamps.verify(stamp, { proof })).resolves.toMatchObject({
      stamp_id: stamp.stamp_id,
    });
  });

  it('rejects an unknown kid after one refetch, a foreign key, a wrong issuer or environment', async () => {
    const keyra = new Keyra({ baseUrl });
    await keyra.stamps.verify(await makeStamp());
    const stranger = await pair();
    await expect(keyra.stamps.verify(await makeStamp({ signer: stranger }))).rejects.toThrow(
      /No key/,
    );
    expect(jwksFetches).toBe(2);
    // A rotation: the new key is published, and the next refetch finds it.
    published = [stranger, key];
    await expect(keyra.stamps.verify(await makeStamp({ signer: stranger }))).resolves.toBeDefined();
    expect(jwksFetches).toBe(3);
    // Another key's signature under a published kid.
    const impostor = { ...stranger, kid: key.kid };
    await expect(keyra.stamps.verify(await makeStamp({ signer: impostor }))).rejects.toThrow(
      /does not verify/,
    );
    const stamp = await makeStamp();
    await expect(keyra.stamps.verify(stamp, { env: 'production' })).rejects.toThrow(/sandbox/);
    await expect(keyra.stamps.verify(stamp, { issuer: 'https://keyra.example' })).rejects.toThrow(
      /issued by/,
    );
  });
});
