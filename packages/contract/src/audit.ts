import { Type, type Static } from '@sinclair/typebox';
import { AUDIT_TYPES } from '@keyra/core';
import { Timestamp } from './common.js';

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256.' });

export const AuditEntry = Type.Object(
  {
    id: Type.String({ description: '`aud_…`' }),
    tenantId: Type.String(),
    seq: Type.Integer({ minimum: 1, description: '1, 2, 3… per tenant, without gaps.' }),
    type: Type.String({ description: 'What happened, e.g. `challenge.approved`.' }),
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]),
    actor: Type.String({
      description:
        'Who caused it: an API key (`key_…`), a device (`dev_…`), an OAuth client (`cli_…`), `system` or `cli`.',
    }),
    subject: Type.String({
      description: 'The object it is about (challenge, key, device, endpoint, voice user).',
    }),
    data: Type.Record(Type.String(), Type.Unknown()),
    occurredAt: Type.String({
      format: 'date-time',
      description: 'RFC 3339 UTC, always with milliseconds (it is hashed as shown).',
      examples: ['2026-05-29T18:42:00.000Z'],
    }),
    prevHash: Hash,
    hash: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description:
        'SHA-256 of the RFC 8785 canonical JSON of this entry without `hash` (so including `prevHash`).',
    }),
  },
  { additionalProperties: false, title: 'AuditEntry' },
);
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditList = Type.Object(
  {
    data: Type.Array(AuditEntry),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  },
  { additionalProperties: false },
);
export type AuditList = Static<typeof AuditList>;

const auditFilters = {
  type: Type.Optional(
    Type.Union(
      AUDIT_TYPES.map((type) => Type.Literal(type)),
      { description: 'Only entries of this type.' },
    ),
  ),
  subject: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Only entries about this object id.',
    }),
  ),
  environment: Type.Optional(
    Type.Union([Type.Literal('sandbox'), Type.Literal('production')], {
      description: 'Only entries of this environment (a sandbox key sees only sandbox entries).',
    }),
  ),
  since: Type.Optional(
    Type.String({ format: 'date-time', description: 'Inclusive lower bound on occurredAt.' }),
  ),
  until: Type.Optional(
    Type.String({ format: 'date-time', description: 'Exclusive upper bound on occurredAt.' }),
  ),
};

export const ListAuditQuery = Type.Object(
  {
    ...auditFilters,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 100, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListAuditQuery = Static<typeof ListAuditQuery>;

export const ExportAuditQuery = Type.Object(auditFilters, { additionalProperties: false });
export type ExportAuditQuery = Static<typeof ExportAuditQuery>;

export const AuditCheckpoint = Type.Object(
  {
    id: Type.String({ description: '`acp_…`' }),
    tenantId: Type.String(),
    seq: Type.Integer({ minimum: 0, description: 'How many entries the chain had.' }),
    hash: Type.String({ description: 'The hash of entry `seq` (64 zeros for an empty chain).' }),
    signature: Type.String({
      description:
        'Compact JWS (`typ: keyra-audit-checkpoint+jwt`, ES256, `kid` of a key in /.well-known/jwks.json) over `{iss, iat, jti, tenant_id, seq, head_hash}`.',
    }),
    createdAt: Timestamp,
    stampId: Type.Union([Type.String(), Type.Null()], {
      description:
        'The stamp of this checkpoint (`GET /v1/stamps/{id}`, method `audit_checkpoint`, `proof_sha256` = SHA-256 of `signature`): an EAS off-chain attestation, mirrored on chain for production tenants when a chain is configured. Null when the EAS packages are not installed.',
    }),
  },
  { additionalProperties: false, title: 'AuditCheckpoint' },
);
export type AuditCheckpoint = Static<typeof AuditCheckpoint>;

export const AuditCheckpointList = Type.Object(
  {
    data: Type.Array(AuditCheckpoint),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type AuditCheckpointList = Static<typeof AuditCheckpointList>;

export const ListAuditCheckpointsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListAuditCheckpointsQuery = Static<typeof ListAuditCheckpointsQuery>;
