import type { EpochMs, Environment, Plan, Scope } from '../domain.js';
import type { ProofMethod } from '../proofs/signProof.js';

/**
 * What a stamp's verification was: an approval or voice method, or `audit_checkpoint` for a signed
 * checkpoint of the audit chain (its "proof" is the checkpoint's JWS).
 */
export type StampMethod = ProofMethod | 'audit_checkpoint';

/**
 * Where a stamp's on-chain mirror stands: `none` (not mirrored: plan, environment or no chain),
 * `pending` (queued or submitted, retried until confirmed), `confirmed` (the attestation is on
 * chain), `failed` (gave up after the last retry; `chainError` says why).
 */
export type ChainStatus = 'none' | 'pending' | 'confirmed' | 'failed';

/**
 * A stamp: a minimal, public receipt that a verification succeeded. It names no user, tenant or
 * action: only the SHA-256 of the proof, when, and how.
 */
export interface StampRecord {
  /** `stp_…`, unguessable: the stamp is public to whoever holds its id. */
  id: string;
  tenantId: string;
  environment: Environment;
  /** The challenge or phrase the verification decided (never published). */
  subjectId: string;
  method: StampMethod;
  /** Hex SHA-256 of the proof's compact JWS (its ASCII bytes). */
  proofSha256: string;
  /** Whole seconds, so every signed form of the time agrees. */
  issuedAt: EpochMs;
  /** Compact JWS (`typ: keyra-stamp+jwt`) over the public claims, signed with the proof keys. */
  signature: string;
  /** The EAS off-chain attestation `{sig, signer}` as JSON, or null when EAS is not installed. */
  offchain: string | null;
  chainStatus: ChainStatus;
  chainAttempts: number;
  chainNextAttemptAt: EpochMs | null;
  chainLeaseUntil: EpochMs | null;
  chainId: number | null;
  chainTxHash: string | null;
  /** The on-chain attestation UID once confirmed. */
  chainUid: string | null;
  chainError: string | null;
  chainConfirmedAt: EpochMs | null;
}

/** The signed claims of a stamp (JWS payload); the same four fields the API shows, plus issuer. */
export interface StampClaims {
  iss: string;
  jti: string;
  iat: number;
  stamp_id: string;
  proof_sha256: string;
  issued_at: string;
  method: StampMethod;
  env: Environment;
}

/** The outcome of one on-chain attempt. */
export interface ChainOutcome {
  status: 'pending' | 'confirmed' | 'failed';
  /** Set when confirmed. */
  uid: string | null;
  /** The transaction to remember (null forgets one that was dropped, so the next attempt resubmits). */
  txHash: string | null;
  error: string | null;
  nextAttemptAt: EpochMs | null;
  now: EpochMs;
}

/** One metered verification. */
export interface UsageRecord {
  /** `use_…` */
  id: string;
  tenantId: string;
  environment: Environment;
  /** The challenge or phrase verified: at most one usage record per subject (exactly-once). */
  subjectId: string;
  method: ProofMethod;
  /**
   * Paid from the free credits, or overage on the tenant's plan. `pending` only between the commit
   * of the verification and its billing on PostgreSQL (milliseconds), as read through a
   * transaction's stores; the storage's own reads bill first.
   */
  billing: 'credit' | 'overage' | 'pending';
  /** The tenant's plan when it was metered. */
  plan: Plan;
  /** UTC day `YYYY-MM-DD` of `createdAt` (the daily bucket). */
  day: string;
  createdAt: EpochMs;
}

/** A count of usage records sharing a day, method and billing. */
export interface UsageBucket {
  day: string;
  environment: Environment;
  method: ProofMethod;
  billing: 'credit' | 'overage';
  count: number;
}

/** What a stamp is issued for. */
export interface StampSubject {
  /** The challenge or phrase verified. */
  subjectId: string;
  method: StampMethod;
  /** The proof's compact JWS. */
  proof: string;
}

/** Builds signed stamps; the server implements it with its proof keys and EAS attester. */
export interface StampIssuer {
  /** A signed stamp for `subject`, not yet stored: the caller inserts it with the verification. */
  issue(scope: Scope, subject: StampSubject, now: EpochMs): Promise<StampRecord>;
}
