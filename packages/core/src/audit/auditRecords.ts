import type { EpochMs, Environment } from '../domain.js';

/**
 * The kinds of security-relevant fact the audit log records. Each is appended in the same
 * transaction as the fact itself, so the log never tells of something that did not happen nor
 * misses something that did.
 */
export const AUDIT_TYPES = [
  'challenge.created',
  'challenge.vote_recorded',
  'challenge.approved',
  'challenge.rejected',
  'challenge.canceled',
  'challenge.expired',
  'api_key.created',
  'api_key.rotated',
  'api_key.revoked',
  'device.paired',
  'device.revoked',
  'device.disabled',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
  'webhook_endpoint.secret_rotated',
  'voice.enrolled',
  'voice.verified',
  'policy.changed',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** The `prevHash` of a tenant's first entry: 64 zeros. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * One link of a tenant's audit chain. `seq` counts 1, 2, 3… per tenant without gaps; `hash` is
 * the SHA-256 of the entry's canonical JSON without `hash` (see `auditDocument`), which includes
 * `prevHash`, the hash of the entry before it. Editing, deleting, inserting or reordering any
 * stored entry therefore breaks the chain at that entry.
 */
export interface AuditEntry {
  /** `aud_…` */
  id: string;
  tenantId: string;
  seq: number;
  type: string;
  /** The environment the fact happened in. */
  environment: Environment;
  /** Who caused it: an API key id (`key_…`), a device id (`dev_…`), `system` (jobs) or `cli`. */
  actor: string;
  /** The object the fact is about (a challenge, key, device, endpoint or voice user id). */
  subject: string;
  /** Facts about the fact (never a secret). */
  data: Record<string, unknown>;
  occurredAt: EpochMs;
  prevHash: string;
  hash: string;
}

/**
 * An entry before the chain gives it its place: everything but `seq`, `prevHash` and `hash`, which
 * depend on the tenant's head when the entry is appended.
 */
export type AuditDraft = Omit<AuditEntry, 'seq' | 'prevHash' | 'hash'>;

/** What a caller appends; the log assigns id, seq, prevHash and hash. */
export interface AuditFact {
  type: AuditType;
  environment: Environment;
  /** Defaults to the API key of an authenticated scope (`keyId`), else `system`. */
  actor?: string | undefined;
  subject: string;
  data?: Record<string, unknown>;
}

/** The head of a tenant's chain: its last entry's seq and hash (0 and the genesis hash when empty). */
export interface AuditHead {
  seq: number;
  hash: string;
}

/**
 * A signed statement "tenant T's chain had `seq` entries ending in `hash` at `createdAt`": a JWS
 * (`typ: keyra-audit-checkpoint+jwt`) signed with the proof keys, verifiable against the JWKS.
 * Whoever keeps checkpoints (or just their hashes) can later prove that the chain was not
 * rewritten, even by someone with write access to the database.
 */
export interface AuditCheckpointRecord {
  /** `acp_…` */
  id: string;
  tenantId: string;
  seq: number;
  hash: string;
  /** Compact JWS over {@link AuditCheckpointClaims}. */
  signature: string;
  createdAt: EpochMs;
  /** The stamp (EAS off-chain attestation) of the checkpoint, when stamping is configured. */
  stampId: string | null;
}

/** The claims of a checkpoint's JWS. */
export interface AuditCheckpointClaims {
  iss: string;
  iat: number;
  jti: string;
  tenant_id: string;
  seq: number;
  head_hash: string;
}

export const AUDIT_CHECKPOINT_TYPE = 'keyra-audit-checkpoint+jwt';
