import type { ChallengeStatus, Environment } from '@keyra/core';

// Row shapes as stored. Timestamps are BIGINT epoch ms on both dialects (PostgreSQL's int8 is
// parsed to a JS number by the pool, see connectDatabase.ts).

export interface TenantsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  hash: string;
  display_prefix: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  replaced_by: string | null;
}

export interface ChallengesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  action: string;
  user_id: string;
  /** JSON text of the caller's payload object. */
  payload: string;
  digest: string;
  status: ChallengeStatus;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  environment: Environment;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  response_body: string | null;
  created_at: number;
  locked_until: number;
}

/** The Kysely database type of the current schema. Extend it with each migration that adds a table. */
export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  challenges: ChallengesTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type DatabaseKind = 'sqlite' | 'postgres';
