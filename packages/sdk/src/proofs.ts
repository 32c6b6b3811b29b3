import { ProofVerificationError } from './errors.js';
import { toBytes, toHex } from './internal/bytes.js';
import { canonicalJson } from './internal/canonicalJson.js';
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
  /** Require this `action` (what you are about to do). */
  action?: string;
  /**
   * Require that the human approved exactly this payload: its RFC 8785 SHA-256 must equal the
   * proof's `payloadDigest`.
   */
  payload?: Record<string, unknown>;
}

/** Verifies proofs offline against the server's JWKS (fetched once and cached). */
export class Proofs {
  constructor(private readonly keys: JwksCache) {}

  /**
   * Checks a proof's ES256 signature with the server's keys (`/.well-known/jwks.json`, cached;
   * fetched again once when the proof names a key the cache lacks, e.g. after a rotation), its
   * `typ` (`keyra-proof+jwt`: a stamp's signature never passes) and, when given, its issuer,
   * environment, action and payload. Returns the claims; pass (or compare) `action`, `payload`
   * and `env` for what you are about to do. Throws `ProofVerificationError` when anything does not
   * hold (`proof_invalid`; `proof_claim_mismatch` for a valid proof of something else).
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
    if (options.action !== undefined && claims.action !== options.action) {
      throw mismatch(
        `The proof approves ${JSON.stringify(claims.action)}, not ${JSON.stringify(options.action)}.`,
      );
    }
    if (options.payload !== undefined) {
      const digest = await payloadDigest(options.payload);
      if (claims.payloadDigest !== digest) {
        throw mismatch(
          "The proof approves another payload: its payloadDigest is not the SHA-256 of this payload's canonical JSON.",
        );
      }
    }
    return claims;
  }
}

function invalid(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_invalid' });
}

function mismatch(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_claim_mismatch' });
}

/** Hex SHA-256 of the payload's RFC 8785 canonical JSON, as the server signs it. */
async function payloadDigest(payload: Record<string, unknown>): Promise<string> {
  let canonical: string;
  try {
    canonical = canonicalJson(payload);
  } catch (error) {
    throw mismatch(`The payload is not JSON: ${(error as Error).message}.`);
  }
  const bytes = toBytes(canonical) as Uint8Array<ArrayBuffer>;
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes)));
}
