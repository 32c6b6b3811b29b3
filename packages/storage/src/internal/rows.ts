import type {
  ApiKeyRecord,
  CeremonyRecord,
  ChallengeRecord,
  ChallengeVote,
  DeviceRecord,
  EventRecord,
  IdempotencyRecord,
  PolicyRequirement,
  SigningKeyRecord,
  Tenant,
} from '@keyra/core';
import type {
  ApiKeysTable,
  ChallengeApproversTable,
  ChallengeRow,
  ChallengesTable,
  DevicesTable,
  EventsTable,
  IdempotencyKeysTable,
  SigningKeysTable,
  TenantsTable,
  WebauthnCeremoniesTable,
} from './schema.js';
import type { Insertable } from 'kysely';
import { scopeColumns } from './inScope.js';

// Mapping between stored rows (snake_case, payload as JSON text) and the domain records.

export function tenantFromRow(row: TenantsTable): Tenant {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    plan: row.plan,
    freeCredits: row.free_credits,
  };
}

export function tenantToRow(tenant: Tenant): TenantsTable {
  return {
    id: tenant.id,
    name: tenant.name,
    created_at: tenant.createdAt,
    plan: tenant.plan,
    free_credits: tenant.freeCredits,
    metered_count: 0,
  };
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
    audience: row.audience,
    ...(row.last_used_at !== null ? { lastUsedAt: row.last_used_at } : {}),
  };
}

export function apiKeyToRow(key: ApiKeyRecord): ApiKeysTable {
  return {
    id: key.id,
    ...scopeColumns(key),
    hash: key.hash,
    display_prefix: key.displayPrefix,
    created_at: key.createdAt,
    expires_at: key.expiresAt,
    revoked_at: key.revokedAt,
    replaced_by: key.replacedBy,
    audience: key.audience,
    last_used_at: key.lastUsedAt ?? null,
  };
}

export function challengeFromRow(row: ChallengeRow): ChallengeRecord {
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
    deviceId: row.device_id,
    method: row.method,
    proof: row.proof,
    stampRequested: Number(row.stamp_requested) === 1,
    stampId: row.stamp_id,
    audience: row.audience,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    // Only CIBA challenges carry one; others keep the record shape they always had.
    ...(row.binding_message !== null ? { bindingMessage: row.binding_message } : {}),
    // Only once a device fetched it (challenges.markShown).
    ...(row.shown_at !== null && row.shown_at !== undefined
      ? { shownAt: Number(row.shown_at) }
      : {}),
    // Only challenges created under a policy carry one.
    ...(row.policy_id !== null && row.policy_requirement !== null
      ? {
          policy: {
            id: row.policy_id,
            name: row.policy_name ?? '',
            version: Number(row.policy_version),
            requirement: JSON.parse(row.policy_requirement) as PolicyRequirement,
          },
        }
      : {}),
  };
}

/**
 * A challenge row with its approver rows (a quorum challenge's, in `position` order); a
 * one-approver challenge ignores them and keeps the record shape it always had.
 */
export function challengeWithApprovers(
  row: ChallengeRow,
  approvers: readonly ChallengeApproversTable[],
): ChallengeRecord {
  const challenge = challengeFromRow(row);
  if (row.quorum === null) return challenge;
  const votes: ChallengeVote[] = [];
  for (const approver of approvers) {
    // A vote writes all four columns at once (ChallengeStore.vote).
    const { decision, device_id: deviceId, method, decided_at: decidedAt } = approver;
    if (decision === null || deviceId === null || method === null || decidedAt === null) continue;
    votes.push({
      userId: approver.user_id,
      decision,
      deviceId,
      method,
      decidedAt: Number(decidedAt),
    });
  }
  votes.sort((a, b) => a.decidedAt - b.decidedAt || (a.userId < b.userId ? -1 : 1));
  return {
    ...challenge,
    userId: null,
    quorum: {
      approvers: approvers.map((approver) => approver.user_id),
      quorum: row.quorum,
      rejectOn: row.reject_on ?? 'impossible',
      votes,
    },
  };
}

/** The approver rows of a new quorum challenge. */
export function approverRows(challenge: ChallengeRecord): ChallengeApproversTable[] {
  return (challenge.quorum?.approvers ?? []).map((userId, position) => ({
    challenge_id: challenge.id,
    user_id: userId,
    ...scopeColumns(challenge),
    position,
    decision: null,
    device_id: null,
    method: null,
    decided_at: null,
  }));
}

export function challengeToRow(challenge: ChallengeRecord): Insertable<ChallengesTable> {
  return {
    id: challenge.id,
    ...scopeColumns(challenge),
    action: challenge.action,
    // A quorum challenge has no single user: '' (no user id can be empty) keeps the column NOT NULL.
    user_id: challenge.userId ?? '',
    payload: JSON.stringify(challenge.payload),
    digest: challenge.digest,
    status: challenge.status,
    created_at: challenge.createdAt,
    expires_at: challenge.expiresAt,
    decided_at: challenge.decidedAt,
    device_id: challenge.deviceId,
    method: challenge.method,
    proof: challenge.proof,
    stamp_requested: challenge.stampRequested ? 1 : 0,
    stamp_id: challenge.stampId,
    audience: challenge.audience,
    metadata: JSON.stringify(challenge.metadata),
    binding_message: challenge.bindingMessage ?? null,
    quorum: challenge.quorum?.quorum ?? null,
    reject_on: challenge.quorum?.rejectOn ?? null,
    // Only when a policy matched (the columns default to null), as 0012 added them.
    ...(challenge.policy
      ? {
          policy_id: challenge.policy.id,
          policy_version: challenge.policy.version,
          policy_name: challenge.policy.name,
          policy_requirement: JSON.stringify(challenge.policy.requirement),
        }
      : {}),
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

export function deviceFromRow(row: DevicesTable): DeviceRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    userId: row.user_id,
    kind: row.kind,
    name: row.name,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    aaguid: row.aaguid,
    signCount: row.sign_count,
    transports: JSON.parse(row.transports) as string[],
    attestationFormat: row.attestation_format,
    attestationTrusted: row.attestation_trusted === 1,
    rootFingerprint: row.root_fingerprint,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
  };
}

export function deviceToRow(device: DeviceRecord): DevicesTable {
  return {
    id: device.id,
    ...scopeColumns(device),
    user_id: device.userId,
    kind: device.kind,
    name: device.name,
    credential_id: device.credentialId,
    public_key: device.publicKey,
    aaguid: device.aaguid,
    sign_count: device.signCount,
    transports: JSON.stringify(device.transports),
    attestation_format: device.attestationFormat,
    attestation_trusted: device.attestationTrusted ? 1 : 0,
    root_fingerprint: device.rootFingerprint,
    created_at: device.createdAt,
    last_used_at: device.lastUsedAt,
    revoked_at: device.revokedAt,
    disabled_at: device.disabledAt,
    disabled_reason: device.disabledReason,
  };
}

export function ceremonyFromRow(row: WebauthnCeremoniesTable): CeremonyRecord {
  return {
    challenge: row.challenge,
    tenantId: row.tenant_id,
    environment: row.environment,
    userId: row.user_id,
    kind: row.kind,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  };
}

export function eventFromRow(row: EventsTable): EventRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    type: row.type,
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export function signingKeyFromRow(row: SigningKeysTable): SigningKeyRecord {
  return {
    kid: row.kid,
    algorithm: row.algorithm as SigningKeyRecord['algorithm'],
    publicJwk: JSON.parse(row.public_jwk) as SigningKeyRecord['publicJwk'],
    sealedPrivateJwk: row.sealed_private_jwk,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}
