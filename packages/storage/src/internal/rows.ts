import type { ApiKeyRecord, ChallengeRecord, IdempotencyRecord, Tenant } from '@keyra/core';
import type {
  ApiKeysTable,
  ChallengesTable,
  IdempotencyKeysTable,
  TenantsTable,
} from './schema.js';

// Mapping between stored rows (snake_case, payload as JSON text) and the domain records.

export function tenantFromRow(row: TenantsTable): Tenant {
  return { id: row.id, name: row.name, createdAt: row.created_at };
}

export function tenantToRow(tenant: Tenant): TenantsTable {
  return { id: tenant.id, name: tenant.name, created_at: tenant.createdAt };
}

export function apiKeyFromRow(row: ApiKeysTable): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    hash: row.hash,
    displayPrefix: row.display_prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    replacedBy: row.replaced_by,
  };
}

export function apiKeyToRow(key: ApiKeyRecord): ApiKeysTable {
  return {
    id: key.id,
    tenant_id: key.tenantId,
    environment: key.environment,
    hash: key.hash,
    display_prefix: key.displayPrefix,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    replaced_by: key.replacedBy,
  };
}

export function challengeFromRow(row: ChallengesTable): ChallengeRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    action: row.action,
    userId: row.user_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    digest: row.digest,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    decidedAt: row.decided_at,
  };
}

export function challengeToRow(challenge: ChallengeRecord): ChallengesTable {
  return {
    id: challenge.id,
    tenant_id: challenge.tenantId,
    environment: challenge.environment,
    action: challenge.action,
    user_id: challenge.userId,
    payload: JSON.stringify(challenge.payload),
    digest: challenge.digest,
    status: challenge.status,
    created_at: challenge.createdAt,
    expires_at: challenge.expiresAt,
    decided_at: challenge.decidedAt,
  };
}

export function idempotencyFromRow(row: IdempotencyKeysTable): IdempotencyRecord {
  return {
    tenantId: row.tenant_id,
    environment: row.environment,
    key: row.key,
    fingerprint: row.fingerprint,
    state: row.state,
    statusCode: row.status_code,
    responseBody: row.response_body,
    createdAt: row.created_at,
    lockedUntil: row.locked_until,
  };
}
