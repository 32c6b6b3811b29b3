import type { Transport } from '../client.js';
import { ProofVerificationError } from '../errors.js';
import { fromBase64Url, toBytes } from './bytes.js';

interface Jwk {
  kty?: string;
  crv?: string;
  x?: string;
  y?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

type VerifyKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>;

/**
 * The server's signing keys (`/.well-known/jwks.json`), fetched once and cached, and fetched
 * again once when a token names a key the cache lacks (e.g. after a rotation). One instance is
 * shared by `proofs` and `stamps`, which are signed with the same keys.
 */
export class JwksCache {
  private keys: Map<string, Promise<VerifyKey>> | undefined;
  private loading: Promise<Map<string, Promise<VerifyKey>>> | undefined;

  constructor(private readonly transport: Transport) {}

  /** The key `kid`, or `undefined` when the server does not publish it even after a refetch. */
  async keyFor(kid: string): Promise<VerifyKey | undefined> {
    let keys = this.keys ?? (await this.load());
    if (!keys.has(kid)) keys = await this.load();
    return keys.get(kid);
  }

  /** Fetches the JWKS; concurrent callers share one request. */
  private load(): Promise<Map<string, Promise<VerifyKey>>> {
    this.loading ??= (async () => {
      try {
        const url = `${this.transport.baseUrl}/.well-known/jwks.json`;
        const response = await this.transport.fetchPublic(url);
        if (!response.ok) {
          throw new ProofVerificationError(`Could not fetch ${url}: HTTP ${response.status}.`, {
            code: 'jwks_unavailable',
            status: response.status,
          });
        }
        const { keys } = (await response.json()) as { keys?: Jwk[] };
        const map = new Map<string, Promise<VerifyKey>>();
        for (const jwk of keys ?? []) {
          if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.kid !== 'string') continue;
          const { kty, crv, x, y } = jwk;
          map.set(
            jwk.kid,
            globalThis.crypto.subtle.importKey(
              'jwk',
              { kty, crv, x, y, ext: true },
              { name: 'ECDSA', namedCurve: 'P-256' },
              false,
              ['verify'],
            ),
          );
        }
        this.keys = map;
        return map;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }
}

/** What `verifyCompactJws` expects, and how it words its errors. */
export interface CompactJwsExpectation {
  /** The required `typ` header: `keyra-proof+jwt` or `keyra-stamp+jwt`, never interchangeable. */
  typ: string;
  /** `proof` or `stamp`, for the error messages. */
  noun: string;
  /** The `code` of the `ProofVerificationError`s thrown. */
  code: string;
}

/**
 * Checks a compact JWS: ES256, exactly the expected `typ`, a `kid` published in the JWKS, no
 * `crit`, and the signature. Returns the payload object; throws `ProofVerificationError`.
 */
export async function verifyCompactJws(
  jws: unknown,
  keys: JwksCache,
  expected: CompactJwsExpectation,
): Promise<Record<string, unknown>> {
  const invalid = (message: string): ProofVerificationError =>
    new ProofVerificationError(message, { code: expected.code });
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) throw invalid(`The ${expected.noun} is not a compact JWS.`);
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: unknown;
  let signature: Uint8Array;
  try {
    header = JSON.parse(new TextDecoder().decode(fromBase64Url(encodedHeader)));
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(encodedPayload)));
    signature = fromBase64Url(encodedSignature);
  } catch {
    throw invalid(`The ${expected.noun} is not a compact JWS.`);
  }
  if (typeof header !== 'object' || header === null) {
    throw invalid(`The ${expected.noun} is not a compact JWS.`);
  }
  if (header.alg !== 'ES256') throw invalid(`The ${expected.noun} is not signed with ES256.`);
  if (header.typ !== expected.typ) {
    throw invalid(
      `The ${expected.noun} is not a ${expected.typ} (typ is ${JSON.stringify(header.typ)}).`,
    );
  }
  if (typeof header.kid !== 'string') throw invalid(`The ${expected.noun} names no key (kid).`);
  if (header.crit !== undefined) {
    throw invalid(`The ${expected.noun} has critical header parameters.`);
  }

  const key = await keys.keyFor(header.kid);
  if (key === undefined) throw invalid(`No key ${header.kid} in the server's JWKS.`);
  const valid = await globalThis.crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    signature as Uint8Array<ArrayBuffer>,
    toBytes(`${encodedHeader}.${encodedPayload}`) as Uint8Array<ArrayBuffer>,
  );
  if (!valid) throw invalid(`The ${expected.noun} signature does not verify.`);
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
    throw invalid(`The ${expected.noun} has no claims.`);
  }
  return claims as Record<string, unknown>;
}
