import type { Transport } from './client.js';
import { ProofVerificationError } from './errors.js';
import { fromBase64Url, toBytes } from './internal/bytes.js';

/** The claims of a KEYRA proof (docs/proofs.md). */
export interface ProofClaims {
  /** The server's public URL. */
  iss: string;
  /** The user who approved. */
  sub: string;
  /** Unique proof id, `prf_…`. */
  jti: string;
  /** When the approval was verified (Unix seconds). */
  iat: number;
  challengeId: string;
  action: string;
  /** SHA-256 (hex) of the RFC 8785 canonical payload: compare it with what you act on. */
  payloadDigest: string;
  /** The digest the device signed. */
  challengeDigest: string;
  method: 'device' | 'passkey';
  deviceId: string;
  /** Never accept a `sandbox` proof in production. */
  env: 'sandbox' | 'production';
  [claim: string]: unknown;
}

/** Options of `proofs.verify`. */
export interface ProofVerifyOptions {
  /** Require this `iss` (the server's public URL). */
  issuer?: string;
  /** Require this environment. */
  env?: 'sandbox' | 'production';
}

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

/** Verifies proofs offline against the server's JWKS (fetched once and cached). */
export class Proofs {
  private keys: Map<string, Promise<VerifyKey>> | undefined;
  private loading: Promise<Map<string, Promise<VerifyKey>>> | undefined;

  constructor(private readonly transport: Transport) {}

  /**
   * Checks a proof's ES256 signature with the server's keys (`/.well-known/jwks.json`, cached;
   * fetched again once when the proof names a key the cache lacks, e.g. after a rotation), its
   * `typ` (`keyra-proof+jwt`) and, when given, its issuer and environment. Returns the claims;
   * compare `action`, `payloadDigest` and `env` with what you are about to do. Throws
   * `ProofVerificationError` when anything does not hold.
   */
  async verify(proof: string, options: ProofVerifyOptions = {}): Promise<ProofClaims> {
    const parts = typeof proof === 'string' ? proof.split('.') : [];
    if (parts.length !== 3) throw invalid('The proof is not a compact JWS.');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: ProofClaims;
    let signature: Uint8Array;
    try {
      header = JSON.parse(new TextDecoder().decode(fromBase64Url(encodedHeader)));
      claims = JSON.parse(new TextDecoder().decode(fromBase64Url(encodedPayload)));
      signature = fromBase64Url(encodedSignature);
    } catch {
      throw invalid('The proof is not a compact JWS.');
    }
    if (header.alg !== 'ES256') throw invalid('The proof is not signed with ES256.');
    if (header.typ !== 'keyra-proof+jwt') throw invalid('The proof is not a keyra-proof+jwt.');
    if (typeof header.kid !== 'string') throw invalid('The proof names no key (kid).');
    if (Array.isArray(header.crit)) throw invalid('The proof has critical header parameters.');

    const key = await this.keyFor(header.kid);
    const valid = await globalThis.crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      signature as Uint8Array<ArrayBuffer>,
      toBytes(`${encodedHeader}.${encodedPayload}`) as Uint8Array<ArrayBuffer>,
    );
    if (!valid) throw invalid('The proof signature does not verify.');
    if (typeof claims !== 'object' || claims === null) throw invalid('The proof has no claims.');
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      throw invalid(`The proof was issued by ${String(claims.iss)}, not ${options.issuer}.`);
    }
    if (options.env !== undefined && claims.env !== options.env) {
      throw invalid(`The proof is from ${String(claims.env)}, not ${options.env}.`);
    }
    return claims;
  }

  private async keyFor(kid: string): Promise<VerifyKey> {
    let keys = this.keys ?? (await this.loadJwks());
    if (!keys.has(kid)) keys = await this.loadJwks();
    const key = keys.get(kid);
    if (key === undefined) throw invalid(`No key ${kid} in the server's JWKS.`);
    return key;
  }

  /** Fetches the JWKS; concurrent callers share one request. */
  private loadJwks(): Promise<Map<string, Promise<VerifyKey>>> {
    this.loading ??= (async () => {
      try {
        const url = `${this.transport.baseUrl}/.well-known/jwks.json`;
        const response = await this.transport.fetchPublic(url);
        if (!response.ok) throw invalid(`Could not fetch ${url}: HTTP ${response.status}.`);
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

function invalid(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_invalid' });
}
