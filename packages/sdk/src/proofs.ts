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
  /** The user who approved; for a quorum challenge, the challenge id (the humans are in `approvers`). */
  sub: string;
  /** Unique proof id, `prf_…`: remember it to use each proof once. */
  jti: string;
  /** The relying party the proof is for (the challenge's `audience`). */
  aud: string;
  /** When the approval was verified (Unix seconds). */
  iat: number;
  /** After this (Unix seconds) the proof authorizes nothing. */
  exp: number;
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
  /**
   * Only in the proof of a quorum challenge: every approval that counted, oldest first. `method`
   * and `deviceId` above are then those of the approval that completed the quorum.
   */
  approvers?: ProofApprover[];
  [claim: string]: unknown;
}

/** One approval named by a quorum proof's `approvers` claim. */
export interface ProofApprover {
  /** The approver's user id. */
  sub: string;
  method: 'device' | 'passkey';
  deviceId: string;
  /** When their approval was verified (Unix seconds). */
  at: number;
}

/** Options of `proofs.verify`: pass what you are about to act on, and the proof must match it. */
export interface ProofVerifyOptions {
  /** Require this `action`. */
  action?: string;
  /** Require this payload: its RFC 8785 digest must equal the proof's `payloadDigest`. */
  payload?: Record<string, unknown>;
  /** Require this `aud` (your relying-party name: the API key's or challenge's `audience`). */
  audience?: string;
  /** Require this `iss` (the server's public URL). */
  issuer?: string;
  /** Require this environment. */
  env?: 'sandbox' | 'production';
  /** Check `exp` and `iat` as of this time instead of now (e.g. re-checking an archived proof). */
  currentDate?: Date;
  /** Allowed clock difference with the server, in seconds (default 60). */
  clockToleranceSeconds?: number;
}

const DEFAULT_CLOCK_TOLERANCE_SECONDS = 60;

/** Verifies proofs offline against the server's JWKS (fetched once and cached). */
export class Proofs {
  constructor(private readonly keys: JwksCache) {}

  /**
   * Checks a proof's ES256 signature with the server's keys (`/.well-known/jwks.json`, cached;
   * fetched again once when the proof names a key the cache lacks, e.g. after a rotation), its
   * `typ` (`keyra-proof+jwt`: a stamp's signature never passes), that it is not expired, and
   * each binding you pass: `action`, `payload` (recomputing the RFC 8785 digest), `audience`,
   * `issuer`, `env`. Pass all you act on — `verify(proof, { action, payload, audience })` — so a
   * proof for another action, amount or relying party is refused here, not in your code.
   * Returns the claims; throws `ProofVerificationError` when anything does not hold.
   */
  async verify(proof: string, options: ProofVerifyOptions = {}): Promise<ProofClaims> {
    const claims = (await verifyCompactJws(proof, this.keys, {
      typ: PROOF_TYPE,
      noun: 'proof',
      code: 'proof_invalid',
    })) as ProofClaims;
    const now = Math.floor((options.currentDate ?? new Date()).getTime() / 1000);
    const tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') {
      throw invalid('The proof has no exp or iat claim (it predates proof expiry).');
    }
    if (now > claims.exp + tolerance) {
      throw expired(
        `The proof expired at ${new Date(claims.exp * 1000).toISOString()}; ask the human again.`,
      );
    }
    if (claims.iat > now + tolerance) {
      throw invalid("The proof was issued in the future: check this machine's clock.");
    }
    if (options.action !== undefined && claims.action !== options.action) {
      throw mismatch(
        `The proof approves ${JSON.stringify(claims.action)}, not ${JSON.stringify(options.action)}.`,
      );
    }
    if (options.payload !== undefined) {
      const digest = await payloadDigest(options.payload).catch((error: Error) => {
        throw mismatch(`${error.message}: it cannot be the payload the human approved.`);
      });
      if (claims.payloadDigest !== digest) {
        throw mismatch(
          'The proof approves a different payload: its payloadDigest does not match the RFC 8785 digest of the payload you passed.',
        );
      }
    }
    if (options.audience !== undefined && claims.aud !== options.audience) {
      throw mismatch(
        `The proof is for ${JSON.stringify(claims.aud)}, not ${JSON.stringify(options.audience)}.`,
      );
    }
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      throw mismatch(`The proof was issued by ${String(claims.iss)}, not ${options.issuer}.`);
    }
    if (options.env !== undefined && claims.env !== options.env) {
      throw mismatch(`The proof is from ${String(claims.env)}, not ${options.env}.`);
    }
    return claims;
  }
}

/** Hex SHA-256 of a payload's RFC 8785 canonical JSON: what a proof's `payloadDigest` holds. */
export async function payloadDigest(payload: Record<string, unknown>): Promise<string> {
  let canonical: string;
  try {
    canonical = canonicalJson(payload);
  } catch (error) {
    throw invalid(`The payload cannot be canonicalized: ${(error as Error).message}`);
  }
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    toBytes(canonical) as Uint8Array<ArrayBuffer>,
  );
  return toHex(new Uint8Array(digest));
}

/** A valid proof, but not for what the caller is about to do. */
function mismatch(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_claim_mismatch' });
}

function expired(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_expired' });
}

function invalid(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'proof_invalid' });
}
