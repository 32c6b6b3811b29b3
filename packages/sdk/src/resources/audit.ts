import type { RequestOptions, Transport } from '../client.js';
import type {
  AuditCheckpoint,
  AuditCheckpointList,
  AuditEntry,
  AuditList,
  ExportAuditParams,
  ListAuditCheckpointsParams,
  ListAuditParams,
} from '../types.js';

/**
 * The tenant's tamper-evident audit log (`/v1/audit`): every security-relevant fact, in chain
 * order, each entry carrying the hash of the one before. Check what you fetched with
 * `verifyAuditChain`, and keep checkpoints outside KEYRA.
 */
export class Audit {
  constructor(private readonly transport: Transport) {}

  /** One page, oldest first (`seq` ascending). Pass `nextCursor` as `cursor` for the next. */
  list(params: ListAuditParams = {}, options?: RequestOptions): Promise<AuditList> {
    return this.transport.request({ method: 'GET', path: '/v1/audit', query: params, options });
  }

  /** Every matching entry, page after page: `for await (const entry of keyra.audit.iterate())`. */
  async *iterate(
    params: Omit<ListAuditParams, 'cursor'> = {},
    options?: RequestOptions,
  ): AsyncGenerator<AuditEntry> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...params, ...(cursor ? { cursor } : {}) }, options);
      yield* page.data;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  /** The NDJSON export (`GET /v1/audit/export`) as text: one entry per line, chain order. */
  exportNdjson(params: ExportAuditParams = {}, options?: RequestOptions): Promise<string> {
    return this.transport.request({
      method: 'GET',
      path: '/v1/audit/export',
      query: params,
      options,
      text: { accept: 'application/x-ndjson' },
    });
  }

  /** The export, parsed: every matching entry in chain order. */
  async export(params: ExportAuditParams = {}, options?: RequestOptions): Promise<AuditEntry[]> {
    return parseAuditNdjson(await this.exportNdjson(params, options));
  }

  /** Signed checkpoints, newest first. */
  listCheckpoints(
    params: ListAuditCheckpointsParams = {},
    options?: RequestOptions,
  ): Promise<AuditCheckpointList> {
    return this.transport.request({
      method: 'GET',
      path: '/v1/audit/checkpoints',
      query: params,
      options,
    });
  }

  /** Signs the chain's current head now; store the result (or its hash) outside KEYRA. */
  createCheckpoint(options?: RequestOptions): Promise<AuditCheckpoint> {
    return this.transport.request({ method: 'POST', path: '/v1/audit/checkpoints', options });
  }
}

/** Parses an NDJSON export (blank lines ignored). */
export function parseAuditNdjson(text: string): AuditEntry[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as AuditEntry);
}
