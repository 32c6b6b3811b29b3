import {
  auditDocument,
  formatTimestamp,
  type AuditCheckpointRecord,
  type AuditEntry,
} from '@keyra/core';
import type { AuditCheckpoint, AuditEntry as AuditEntryJson } from '@keyra/contract';

/** An entry as the API shows it: exactly the hashed document, plus its hash. */
export function auditEntryJson(entry: AuditEntry): AuditEntryJson {
  return { ...(auditDocument(entry) as Omit<AuditEntryJson, 'hash'>), hash: entry.hash };
}

export function auditCheckpointJson(checkpoint: AuditCheckpointRecord): AuditCheckpoint {
  return {
    id: checkpoint.id,
    tenantId: checkpoint.tenantId,
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    signature: checkpoint.signature,
    createdAt: formatTimestamp(checkpoint.createdAt),
    stampId: checkpoint.stampId,
  };
}
