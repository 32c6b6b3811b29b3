import type { RequestOptions, Transport } from './client.js';
import { ProofVerificationError } from './errors.js';
import { toBytes, toHex } from './internal/bytes.js';
import { verifyCompactJws, type JwksCache } from './internal/jwks.js';
import { enc } from './resources/challenges.js';
import type { Stamp, StampConfig } from './types.js';

/** The `typ` header of stamp signatures. */
export const STAMP_TYPE = 'keyra-stamp+jwt';

/** The claims of a stamp's `signature` (docs/stamps.md): the stamp's fields, signed. */
export interface StampClaims {
  /** The server's public URL. */
  iss: string;
  /** The stamp id, `stp_…`. */
  jti: string;
  /** `issued_at` in Unix seconds. */
  iat: number;
  stamp_id: string;
  /** SHA-256 (hex) of the proof's compact JWS. */
  proof_sha256: string;
  /** RFC 3339, whole seconds. */
  issued_at: string;
  /** `audit_checkpoint` for a stamp of a signed audit checkpoint. */
  method: 'device' | 'passkey' | 'voice' | 'audit_checkpoint';
  /** Never accept a `sandbox` stamp as evidence in production. */
  env: 'sandbox' | 'production';
  [claim: string]: unknown;
}

/** Options of `stamps.verify`. */
export interface StampVerifyOptions {
  /** The proof (compact JWS) the stamp should commit to: its SHA-256 must be `proof_sha256`. */
  proof?: string;
  /** Require this `iss` (the server's public URL). */
  issuer?: string;
  /** Require this environment. */
  env?: 'sandbox' | 'production';
}

/** Each claim of the signature and the stamp field it must equal. */
const SIGNED_FIELDS = [
  ['stamp_id', 'stamp_id'],
  ['proof_sha256', 'proof_sha256'],
  ['issued_at', 'issued_at'],
  ['method', 'method'],
  ['env', 'environment'],
] as const;

/** Stamps (`/v1/stamps`): public receipts of proofs, verifiable offline. */
export class Stamps {
  constructor(
    private readonly transport: Transport,
    private readonly keys: JwksCache,
  ) {}

  /** One stamp. The endpoint is public: no API key is sent, so a client without one works too. */
  retrieve(id: string, options?: RequestOptions): Promise<Stamp> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/stamps/${enc(id)}`,
      auth: 'none',
      options,
    });
  }

  /**
   * The server's stamp configuration (`/.well-known/keyra-stamps.json`, public: no key is sent):
   * compare `eas.attester` with a stamp's attester, or feed `eas.domain` to an EAS verifier.
   */
  configuration(options?: RequestOptions): Promise<StampConfig> {
    return this.transport.request({
      method: 'GET',
      path: '/.well-known/keyra-stamps.json',
      auth: 'none',
      options,
    });
  }

  /**
   * Checks a stamp offline, with the same cached JWKS as `proofs.verify`: its `signature` is an
   * ES256 JWS by a published key with `typ: keyra-stamp+jwt` (a proof's signature never
   * passes), the signed claims equal the stamp's `stamp_id`, `proof_sha256`, `issued_at`,
   * `method` and `environment`, and, when `proof` is given, `proof_sha256` is the SHA-256 of
   * that proof. Takes the stamp as `retrieve` returns it or as any JSON carrying it (an
   * approval's `stamp`, a stored copy). Returns the signed claims; throws
   * `ProofVerificationError` (code `stamp_invalid`) when anything does not hold.
   *
   * It does not check the EAS attestation in `stamp.eas`; see docs/stamps.md for that.
   */
  async verify(
    stamp: Stamp | Record<string, unknown>,
    options: StampVerifyOptions = {},
  ): Promise<StampClaims> {
    if (typeof stamp !== 'object' || stamp === null) throw invalid('The stamp is not an object.');
    const fields = stamp as Record<string, unknown>;
    if (typeof fields.signature !== 'string') throw invalid('The stamp has no signature.');
    const claims = (await verifyCompactJws(fields.signature, this.keys, {
      typ: STAMP_TYPE,
      noun: 'stamp',
      code: 'stamp_invalid',
    })) as StampClaims;
    for (const [claim, field] of SIGNED_FIELDS) {
      if (typeof claims[claim] !== 'string' || claims[claim] !== fields[field]) {
        throw invalid(
          `The stamp's ${field} ${JSON.stringify(fields[field])} is not the signed ` +
            `${JSON.stringify(claims[claim])}.`,
        );
      }
    }
    if (options.proof !== undefined) {
      if (typeof options.proof !== 'string') throw invalid('The proof is not a string.');
      const digest = await globalThis.crypto.subtle.digest(
        'SHA-256',
        toBytes(options.proof) as Uint8Array<ArrayBuffer>,
      );
      if (toHex(new Uint8Array(digest)) !== claims.proof_sha256) {
        throw invalid('The proof is not the one the stamp commits to (proof_sha256 differs).');
      }
    }
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      throw invalid(`The stamp was issued by ${String(claims.iss)}, not ${options.issuer}.`);
    }
    if (options.env !== undefined && claims.env !== options.env) {
      throw invalid(`The stamp is from ${String(claims.env)}, not ${options.env}.`);
    }
    return claims;
  }
}

function invalid(message: string): ProofVerificationError {
  return new ProofVerificationError(message, { code: 'stamp_invalid' });
}
