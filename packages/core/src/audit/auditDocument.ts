import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonicalJson.js';
import type { AuditDraft, AuditEntry, AuditHead } from './auditRecords.js';

/**
 * The entry as the API shows it and as it is hashed: every field but `hash`, with `occurredAt` as
 * an RFC 3339 UTC string that always has milliseconds (so the hashed text is the text a client
 * receives, and a client can recompute the hash from an API page or an export line).
 */
export function auditDocument(entry: Omit<AuditEntry, 'hash'>): Record<string, unknown> {
  return {
    id: entry.id,
    tenantId: entry.tenantId,
    seq: entry.seq,
    type: entry.type,
    environment: entry.environment,
    actor: entry.actor,
    subject: entry.subject,
    data: entry.data,
    occurredAt: new Date(entry.occurredAt).toISOString(),
    prevHash: entry.prevHash,
  };
}

/** Hex SHA-256 of the RFC 8785 canonical JSON of {@link auditDocument}. */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return createHash('sha256')
    .update(canonicalJson(auditDocument(entry)), 'utf8')
    .digest('hex');
}

/** The entry that follows `head`: the draft with its seq, prevHash and hash. */
export function sealAuditEntry(draft: AuditDraft, head: AuditHead): AuditEntry {
  const entry: Omit<AuditEntry, 'hash'> = { ...draft, seq: head.seq + 1, prevHash: head.hash };
  return { ...entry, hash: hashAuditEntry(entry) };
}
