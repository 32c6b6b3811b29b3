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

export interface Tenant {
  id: string;
  name: string;
  createdAt: EpochMs;
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
}

export type ChallengeStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface ChallengeRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  action: string;
  userId: string;
  /** The caller's payload, a JSON object. */
  payload: Record<string, unknown>;
  /** Hex SHA-256 of the canonical challenge document; see `challengeDigest`. */
  digest: string;
  status: ChallengeStatus;
  createdAt: EpochMs;
  /** Whole seconds: the digest covers its RFC 3339 form. */
  expiresAt: EpochMs;
  decidedAt: EpochMs | null;
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
