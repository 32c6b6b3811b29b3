import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  cose,
  decodeClientDataJSON,
  decodeCredentialPublicKey,
  isoBase64URL,
  parseAuthenticatorData,
  verifySignature,
} from '@simplewebauthn/server/helpers';

/** What an assertion must have been made for. */
export interface ExpectedAssertion {
  /** base64url of the challenge the authenticator must have signed. */
  challenge: string;
  origin: string;
  rpId: string;
}

/**
 * `@simplewebauthn/server`'s `verifyAuthenticationResponse`, check for check, for the options KEYRA
 * always uses (type `webauthn.get`, one origin, one rpId, user verification required, no top
 * origin, counter compared by the caller), except that the signature of the common ES256 P-256
 * key is checked with a `node:crypto` key imported once per credential. The library imports the
 * key through WebCrypto and hashes through WebCrypto on every call, which was about a fifth of a
 * verify's CPU. Other key types go through the library's own `verifySignature`.
 *
 * The checks, in the library's order, each throwing the library's message:
 * 1. `id` present and equal to `rawId`; `type` is `public-key`; a `response` with a string
 *    `clientDataJSON`.
 * 2. client data: `type` is `webauthn.get`; `challenge` is the expected one; no `topOrigin`
 *    (cross-origin iframes are refused, as the library does without an expected top origin);
 *    `origin` is the expected one.
 * 3. `authenticatorData` and `signature` are base64url; `userHandle`, if any, is a string;
 *    `tokenBinding`, if any, is an object with a known status.
 * 4. authenticator data: at least 37 bytes and well formed; its rpId hash is SHA-256 of the rpId;
 *    user present; user verified; backup flags consistent.
 * 5. the credential key has a numeric `alg` (post-quantum algorithms are refused, as by the
 *    library on Node 20); the signature over `authenticatorData ‖ SHA-256(clientDataJSON)` verifies.
 *
 * `test/credentials/checkAuthenticationResponse.test.ts` runs every check against the library
 * itself on genuine and mutated assertions, and requires both to agree.
 */
export async function checkAuthenticationResponse(
  response: AuthenticationResponseJSON,
  expected: ExpectedAssertion,
  credentialPublicKey: Uint8Array,
): Promise<{ verified: boolean; newCounter: number }> {
  const { id, rawId, type: credentialType, response: assertion } = response;
  if (!id) throw new Error('Missing credential ID');
  if (id !== rawId) throw new Error('Credential ID was not base64url-encoded');
  if (credentialType !== 'public-key') {
    throw new Error(`Unexpected credential type ${credentialType}, expected "public-key"`);
  }
  if (typeof assertion?.clientDataJSON !== 'string') {
    throw new Error('Credential response clientDataJSON was not a string');
  }
  const clientData = decodeClientDataJSON(assertion.clientDataJSON);
  const { type, origin, challenge, tokenBinding, crossOrigin, topOrigin } = clientData;
  if (type !== 'webauthn.get') throw new Error(`Unexpected authentication response type: ${type}`);
  if (challenge !== expected.challenge) {
    throw new Error(
      `Unexpected authentication response challenge "${challenge}", expected "${expected.challenge}"`,
    );
  }
  if (topOrigin) {
    throw new Error(
      crossOrigin
        ? `Detected cross-origin authentication response from top origin of "${topOrigin}", but a value for \`expectedTopOrigin\` was not specified`
        : `Unexpected top origin of "${topOrigin}" within a non-cross-origin authentication response`,
    );
  }
  if (origin !== expected.origin) {
    throw new Error(
      `Unexpected authentication response origin "${origin}", expected "${expected.origin}"`,
    );
  }
  if (!isoBase64URL.isBase64URL(assertion.authenticatorData)) {
    throw new Error('Credential response authenticatorData was not a base64url string');
  }
  if (!isoBase64URL.isBase64URL(assertion.signature)) {
    throw new Error('Credential response signature was not a base64url string');
  }
  if (assertion.userHandle && typeof assertion.userHandle !== 'string') {
    throw new Error('Credential response userHandle was not a string');
  }
  if (tokenBinding) {
    if (typeof tokenBinding !== 'object')
      throw new Error('ClientDataJSON tokenBinding was not an object');
    if (!['present', 'supported', 'notSupported'].includes(tokenBinding.status)) {
      throw new Error(`Unexpected tokenBinding status ${tokenBinding.status}`);
    }
  }
  const authData = isoBase64URL.toBuffer(assertion.authenticatorData);
  const { rpIdHash, flags, counter } = parseAuthenticatorData(authData);
  if (!Buffer.from(rpIdHash).equals(sha256(Buffer.from(expected.rpId, 'ascii')))) {
    throw new Error('Unexpected RP ID hash');
  }
  if (!flags.up) throw new Error('User not present during authentication');
  if (!flags.uv) throw new Error('User verification required, but user could not be verified');
  if (!flags.be && flags.bs) {
    throw new Error(
      'Single-device credential indicated that it was backed up, which should be impossible.',
    );
  }
  const signatureBase = Buffer.concat([
    authData,
    sha256(isoBase64URL.toBuffer(assertion.clientDataJSON)),
  ]);
  const signature = isoBase64URL.toBuffer(assertion.signature);
  const key = p256Key(credentialPublicKey);
  const verified = key
    ? verify('sha256', signatureBase, { key, dsaEncoding: 'der' }, signature)
    : await verifyWithLibrary(credentialPublicKey, signatureBase, signature);
  return { verified, newCounter: counter };
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** ES256 P-256 keys as node:crypto keys, per COSE key bytes; bounded like any cache on the request path. */
const p256Keys = new Map<string, KeyObject | null>();
const P256_KEY_CACHE_SIZE = 10_000;

/** The node:crypto key of an ES256 (alg -7) P-256 EC2 COSE key; null for any other key. */
function p256Key(coseBytes: Uint8Array): KeyObject | null {
  const cacheKey = Buffer.from(coseBytes).toString('base64url');
  const cached = p256Keys.get(cacheKey);
  if (cached !== undefined) return cached;
  const decoded = decodeCredentialPublicKey(new Uint8Array(coseBytes));
  let key: KeyObject | null = null;
  if (
    cose.isCOSEPublicKeyEC2(decoded) &&
    decoded.get(cose.COSEKEYS.alg) === cose.COSEALG.ES256 &&
    decoded.get(cose.COSEKEYS.crv) === cose.COSECRV.P256
  ) {
    const x = decoded.get(cose.COSEKEYS.x);
    const y = decoded.get(cose.COSEKEYS.y);
    if (x instanceof Uint8Array && y instanceof Uint8Array && x.length === 32 && y.length === 32) {
      key = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: Buffer.from(x).toString('base64url'),
          y: Buffer.from(y).toString('base64url'),
        },
        format: 'jwk',
      });
    }
  }
  if (p256Keys.size >= P256_KEY_CACHE_SIZE) p256Keys.delete(p256Keys.keys().next().value as string);
  p256Keys.set(cacheKey, key);
  return key;
}

/** Any other key type: the library's checks (numeric alg, no post-quantum on this runtime) and verification. */
async function verifyWithLibrary(
  coseBytes: Uint8Array,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const decoded = decodeCredentialPublicKey(new Uint8Array(coseBytes));
  const alg = decoded.get(cose.COSEKEYS.alg);
  if (typeof alg !== 'number') throw new Error('Credential public key was missing numeric alg');
  return verifySignature({
    signature: new Uint8Array(signature),
    data: new Uint8Array(data),
    credentialPublicKey: new Uint8Array(coseBytes),
  });
}
