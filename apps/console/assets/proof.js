// Decodes a KEYRA proof (a compact JWS) and checks its signature with WebCrypto against the keys
// the server publishes at /.well-known/jwks.json, the same check an SDK does offline.

/** @param {string} text base64url without padding */
function base64UrlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** @param {string} text */
function decodeJsonPart(text) {
  return JSON.parse(new TextDecoder().decode(base64UrlToBytes(text)));
}

/**
 * Splits a compact JWS and decodes its header and claims (no verification).
 * @param {string} jws
 * @returns {{ header: Record<string, unknown>, claims: Record<string, unknown>, signingInput: string, signature: Uint8Array }}
 */
export function decodeProof(jws) {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3)
    throw new Error('The proof is not a compact JWS (three dot-separated parts).');
  const [header, payload, signature] = parts;
  return {
    header: decodeJsonPart(header),
    claims: decodeJsonPart(payload),
    signingInput: `${header}.${payload}`,
    signature: base64UrlToBytes(signature),
  };
}

/** WebCrypto parameters for the JWS algorithms KEYRA signs with. */
const ALGORITHMS = {
  ES256: {
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-256' },
    publicJwk: (jwk) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }),
  },
  EdDSA: {
    importParams: { name: 'Ed25519' },
    verifyParams: { name: 'Ed25519' },
    publicJwk: (jwk) => ({ kty: jwk.kty, crv: jwk.crv, x: jwk.x }),
  },
};

/**
 * Verifies the proof's signature with the key named by its `kid` in `jwks`.
 * @param {ReturnType<typeof decodeProof>} decoded
 * @param {{ keys: Array<Record<string, string>> }} jwks
 * @returns {Promise<{ valid: boolean, reason: string, kid?: string }>}
 */
export async function verifyProofSignature(decoded, jwks) {
  const { alg, kid } = decoded.header;
  const algorithm = ALGORITHMS[/** @type {string} */ (alg)];
  if (!algorithm) return { valid: false, reason: `Unsupported algorithm ${String(alg)}.` };
  const keys = Array.isArray(jwks?.keys) ? jwks.keys : [];
  const jwk = keys.find((key) => key.kid === kid);
  if (!jwk) return { valid: false, reason: `No key with kid ${String(kid)} in the JWKS.` };
  if (jwk.alg && jwk.alg !== alg)
    return { valid: false, reason: `Key ${kid} is for ${jwk.alg}, the proof says ${alg}.` };
  const key = await crypto.subtle.importKey(
    'jwk',
    algorithm.publicJwk(jwk),
    algorithm.importParams,
    false,
    ['verify'],
  );
  const valid = await crypto.subtle.verify(
    algorithm.verifyParams,
    key,
    decoded.signature,
    new TextEncoder().encode(decoded.signingInput),
  );
  return {
    valid,
    kid: String(kid),
    reason: valid
      ? `Signature verified with key ${kid} from /.well-known/jwks.json.`
      : `The signature does not match key ${kid}.`,
  };
}
