import { Readable } from 'node:stream';
import {
  createAuditCheckpoint,
  exportAudit,
  KeyraError,
  listAudit,
  listAuditCheckpoints,
  parseRfc3339Query,
  type AuditCheckpointStamping,
  type AuditFilter,
  type AuthenticatedKey,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  AuditCheckpoint,
  AuditCheckpointList,
  AuditList,
  ExportAuditQuery,
  ListAuditCheckpointsQuery,
  ListAuditQuery,
} from '@keyra/contract';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ServerProofSigner } from '../../approval/createProofSigner.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { auditCheckpointJson, auditEntryJson } from './auditJson.js';

export interface AuditRoutesOptions {
  storage: Storage;
  clock: Clock;
  signer: ServerProofSigner;
  /** Stamps checkpoints made on demand; null when EAS is not installed. */
  stamping: AuditCheckpointStamping | null;
}

/**
 * The filter a key may read with: a production key reads its tenant's whole chain (both
 * environments, so pages verify end to end); a sandbox key only sandbox entries.
 */
function filterFor(scope: AuthenticatedKey, query: ExportAuditQuery): AuditFilter {
  if (scope.environment === 'sandbox' && query.environment === 'production')
    throw new KeyraError(
      'forbidden_environment',
      'A sandbox key reads only sandbox audit entries; use a production key for the whole chain.',
    );
  const environment = scope.environment === 'sandbox' ? 'sandbox' : query.environment;
  const since = parseRfc3339Query('since', query.since);
  const until = parseRfc3339Query('until', query.until);
  return {
    ...(query.type !== undefined ? { type: query.type } : {}),
    ...(query.subject !== undefined ? { subject: query.subject } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

/** The tamper-evident audit log: entries (paged and NDJSON export) and signed checkpoints. */
export async function auditRoutes(
  app: FastifyInstance,
  options: AuditRoutesOptions,
): Promise<void> {
  const { storage, clock, signer, stamping } = options;
  const tags = ['Audit'];

  app.get<{ Querystring: ListAuditQuery }>(
    '/v1/audit',
    {
      schema: {
        operationId: 'listAudit',
        tags,
        summary: "List the tenant's audit entries in chain order (seq ascending), with filters.",
        description:
          'Each entry carries `prevHash` and `hash`: unfiltered pages are consecutive runs of the chain, which a client can check with the SDK (`verifyAuditChain`). A production key reads both environments; a sandbox key only sandbox entries.',
        querystring: ListAuditQuery,
        response: { 200: AuditList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit = 100, cursor, ...query } = request.query;
      const scope = scopeOf(request);
      const page = await listAudit(
        storage.audit,
        scope.tenantId,
        filterFor(scope, query),
        limit,
        cursor,
      );
      return {
        data: page.data.map(auditEntryJson),
        hasMore: page.hasMore,
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get<{ Querystring: ExportAuditQuery }>(
    '/v1/audit/export',
    {
      schema: {
        operationId: 'exportAudit',
        tags,
        summary: 'Export the audit entries as NDJSON (one entry per line, chain order), streamed.',
        querystring: ExportAuditQuery,
        produces: ['application/x-ndjson'],
        response: {
          200: Type.String({
            description: 'One JSON entry (as in `GET /v1/audit`) per line.',
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const entries = exportAudit(storage.audit, scope.tenantId, filterFor(scope, request.query));
      const lines = Readable.from(
        (async function* () {
          for await (const entry of entries) yield `${JSON.stringify(auditEntryJson(entry))}\n`;
        })(),
      );
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="keyra-audit.ndjson"')
        .send(lines);
    },
  );

  app.get<{ Querystring: ListAuditCheckpointsQuery }>(
    '/v1/audit/checkpoints',
    {
      schema: {
        operationId: 'listAuditCheckpoints',
        tags,
        summary: "List the tenant's signed audit checkpoints, newest first.",
        querystring: ListAuditCheckpointsQuery,
        response: { 200: AuditCheckpointList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit = 20, cursor } = request.query;
      const page = await listAuditCheckpoints(
        storage.audit,
        scopeOf(request).tenantId,
        limit,
        cursor,
      );
      return {
        data: page.data.map(auditCheckpointJson),
        hasMore: page.hasMore,
        nextCursor: page.nextCursor,
      };
    },
  );

  app.post(
    '/v1/audit/checkpoints',
    {
      schema: {
        operationId: 'createAuditCheckpoint',
        tags,
        summary: "Sign the chain's current head now (a checkpoint on demand).",
        description:
          'Returns a JWS over the tenant, the head seq and head hash, signed with the proof key (verify it against /.well-known/jwks.json). Keep it outside KEYRA: the chain must still reach that hash later.',
        response: { 201: AuditCheckpoint, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const checkpoint = await createAuditCheckpoint(scopeOf(request).tenantId, {
        audit: storage.audit,
        signer,
        stamping,
        now: clock.now(),
      });
      return reply.status(201).send(auditCheckpointJson(checkpoint));
    },
  );
}
