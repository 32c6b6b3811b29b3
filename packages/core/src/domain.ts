import type { ChallengePolicy } from './policies/policyRecords.js';

/** The two environments every object lives in. `sandbox` keys start `sk_test_`, `production` keys `sk_live_`. */
export type Environment = 'sandbox' | 'production';

export const ENVIRONMENTS: readonly Environment[] = ['sandbox', 'production'];

/** Every stored object belongs to exactly one tenant and one environment; every query is scoped by both. */
export interface Scope {
  readonly tenantId: string;
  readonly environment: Environment;
}

/** Milliseconds since the Unix epoch. The domain never reads the wall clock itself; see {@link Clock}. */
export type EpochMs = number;

/**
 * A tenant's billing plan. New tenants start on `pilot`; on-chain stamp mirroring is for
 * `production` and `scale`.
 */
export type Plan = 'pilot' | 'production' | 'scale';

export const PLANS: readonly Plan[] = ['pilot', 'production', 'scale'];

/** Free proofs every new tenant receives. */
export const FREE_PROOFS = 1000;

export interface Tenant {
  id: string;
  name: string;
  createdAt: EpochMs;
  plan: Plan;
  /** Free proofs granted; metered verifications beyond them are overage. */
  freeCredits: number;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  /** SHA-256 (hex) of the full secret key. The secret itself is never stored. */
  hash: string;
  /** A non-secret prefix shown in listings, e.g. `sk_test_4f9a…`. */
  displayPrefix: string;
  createdAt: EpochMs;
  /** Set when the key is rotated: it keeps working until then (the grace period). */
  expiresAt: EpochMs | null;
  revokedAt: EpochMs | null;
  /** The key that replaced this one on rotation, if any. */
  replacedBy: string | null;
  /**
   * When a request last authenticated with the key, to the minute (`ApiKeyStore.markUsed`);
   * absent or null when it was never used (or not since migration 0013).
   */
  lastUsedAt?: EpochMs | null;
  /**
   * The relying party's name: the `aud` of proofs for challenges this key creates (unless the
   * challenge names its own). Defaults to the tenant's name; a rotation keeps it.
   */
  audience: string;
}

export type ChallengeStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'canceled';

export interface ChallengeRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  action: string;
  /** The one human who must approve; null for a quorum challenge (see `quorum`). */
  userId: string | null;
  /** The caller's payload, a JSON object. */
  payload: Record<string, unknown>;
  /** Hex SHA-256 of the canonical challenge document; see `challengeDigest`. */
  digest: string;
  status: ChallengeStatus;
  createdAt: EpochMs;
  /** Whole seconds: the digest covers its RFC 3339 form. */
  expiresAt: EpochMs;
  decidedAt: EpochMs | null;
  /** The device or passkey whose signature decided it. */
  deviceId: string | null;
  method: ApprovalMethod | null;
  /** The compact JWS proof issued when it was approved. */
  proof: string | null;
  /** Whether the creator asked for a stamp on approval (`stamp: true`). */
  stampRequested: boolean;
  /** The stamp issued with the approval, when one was asked for. */
  stampId: string | null;
  /** Who the proof is for: its `aud` claim (the challenge's own, else the creating key's). */
  audience: string;
  /** The caller's own string labels: echoed back and in webhooks, never shown to the human. */
  metadata: Record<string, string>;
  /**
   * CIBA's `binding_message`: short text the human sees beside the action and payload, to match
   * the approval with what the client's own screen shows. Display only: not in the digest.
   */
  bindingMessage?: string | null;
  /**
   * When a device of its user (an approver's, for a quorum challenge) first fetched it while
   * pending through the device API; absent until then (`challenges.markShown`).
   */
  shownAt?: EpochMs;
  /** Present only on a quorum challenge: who may vote, how many must approve, and the votes so far. */
  quorum?: ChallengeQuorum;
  /**
   * Present only when a policy matched at creation: the policy version the challenge was created
   * under and its requirement, enforced at verify whatever the policy became since.
   */
  policy?: ChallengePolicy;
}

/** When a quorum challenge is rejected: at the first rejection, or once the quorum is out of reach. */
export type RejectOn = 'any' | 'impossible';

/**
 * The quorum rule of a challenge created with `approvers` and `quorum`: it is `approved` once
 * `quorum` distinct approvers approved, `rejected` at the first rejection (`rejectOn: 'any'`) or
 * once too few approvers are left to reach the quorum (`'impossible'`), `expired` otherwise.
 */
export interface ChallengeQuorum {
  /** The humans who may vote, in the order the challenge was created with (the digest's order). */
  approvers: string[];
  /** How many distinct approvers must approve, 1 to `approvers.length`. */
  quorum: number;
  rejectOn: RejectOn;
  /** The votes cast so far, oldest first: at most one per approver. */
  votes: ChallengeVote[];
}

/** One approver's signed answer to a quorum challenge. */
export interface ChallengeVote {
  userId: string;
  decision: 'approved' | 'rejected';
  deviceId: string;
  method: ApprovalMethod;
  decidedAt: EpochMs;
}

/** How a human approved: a KEYRA ONE (or its simulator) or a browser passkey. */
export type ApprovalMethod = 'device' | 'passkey';

/** A KEYRA ONE pairs by a WebAuthn registration attested to a KEYRA ONE root; anything else is a passkey. */
export type DeviceKind = 'keyra_one' | 'passkey';

/** A paired authenticator: a KEYRA ONE or a passkey (a passkey is a device). */
export interface DeviceRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  userId: string;
  kind: DeviceKind;
  name: string;
  /** WebAuthn credential id, base64url. */
  credentialId: string;
  /** COSE public key, base64url. */
  publicKey: string;
  aaguid: string;
  /** The last signature counter seen; an assertion must exceed it (clone detection). */
  signCount: number;
  transports: string[];
  attestationFormat: string;
  /** Whether the attestation chained to a trusted KEYRA ONE root. */
  attestationTrusted: boolean;
  /** SHA-256 (hex) of the trusted root certificate, when there is one. */
  rootFingerprint: string | null;
  createdAt: EpochMs;
  lastUsedAt: EpochMs | null;
  revokedAt: EpochMs | null;
  /** Set when the server stopped trusting the device (e.g. a counter regression: possibly cloned). */
  disabledAt: EpochMs | null;
  disabledReason: string | null;
}

/** A pending WebAuthn ceremony: the random challenge the server issued and still expects once. */
export interface CeremonyRecord {
  /** The challenge, base64url: unique, and what the authenticator echoes back. */
  challenge: string;
  tenantId: string;
  environment: Environment;
  userId: string;
  kind: 'registration' | 'authentication';
  createdAt: EpochMs;
  expiresAt: EpochMs;
  usedAt: EpochMs | null;
}

/** An event for webhooks, written in the same transaction as the state change it reports. */
export interface EventRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  type: string;
  data: Record<string, unknown>;
  createdAt: EpochMs;
}

export interface IdempotencyRecord {
  tenantId: string;
  environment: Environment;
  key: string;
  /** Hex SHA-256 over method, path and raw body: a different request under the same key is refused. */
  fingerprint: string;
  state: 'in_progress' | 'completed';
  statusCode: number | null;
  /** The original response body as sent (JSON text). */
  responseBody: string | null;
  createdAt: EpochMs;
  /** While `in_progress`, another claim may take over after this instant (the first attempt crashed). */
  lockedUntil: EpochMs;
}
