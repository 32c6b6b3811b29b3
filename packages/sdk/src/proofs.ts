import { ProofVerificationError } from './errors.js';
import { verifyCompactJws, type JwksCache } from './internal/jwks.js';

/** The `typ` header of proofs. */
export const PROOF_TYPE = 'keyra-proof+jwt';

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
  method: 'device' | 'passkey' | 'voice';
  /** The KEYRA ONE or passkey that approved; `null` for a voice proof. */
  deviceId: string | null;
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

/** Verifies proofs offline against the server's JWKS (fetched once and cached). */
export class Proofs {
  constructor(private readonly keys: JwksCache) {}

  /**
   * Checks a proof's ES256 signature with the server's keys (`/.well-known/jwks.json`, cached;
   * fetched again once when the proof names a key the cache lacks, e.g. after a rotation), its
   * `typ` (`keyra-proof+jwt`: a stamp's signature never passes) and, when given, its issuer and
   * environment. Returns the claims; compare `action`, `payloadDigest` and `env` with what you
   * are about to do. Throws `ProofVerificationError` when anything does not hold.
   */
  async verify(proof: string, options: ProofVerifyOptions = {}): Promise<ProofClaims> {
    const claims = (await verifyCompactJws(proof, this.keys, {
      typ: PROOF_TYPE,
      noun: 'proof',
      code: 'proof_invalid',
    })) as ProofClaims;
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      throw invalid(`The proof was issued by ${String(claims.iss)}, not ${options.issuer}.`);
    }
    if (options.env !== undefined && claims.env !== options.env) {
      throw invalid(`The proof is from ${String(claims.env)}, not ${options.env}.`);
    }
    return claims;
  }
}

function invalid(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_invalid' });
}
