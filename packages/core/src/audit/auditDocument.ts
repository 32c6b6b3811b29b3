import { createHash, randomBytes } from 'node:crypto';
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

/**
 * The text {@link hashAuditEntry} hashes for the draft's entry, split around the two values its
 * place in the chain decides: the text is `before + prevHash + between + String(seq) + after`. A
 * store that appends in one statement computes the hash in the database from these parts and the
 * head it locks there (and checks it against {@link sealAuditEntry} afterwards).
 */
export function auditHashTemplate(draft: AuditDraft): {
  before: string;
  between: string;
  after: string;
} {
  // Random placeholders, so no text in `data` can be mistaken for them.
  const prevMark = `"${randomBytes(16).toString('hex')}"`;
  const seqMark = `"${randomBytes(16).toString('hex')}"`;
  const text = canonicalJson({
    ...auditDocument({ ...draft, seq: 0, prevHash: '' }),
    prevHash: prevMark.slice(1, -1),
    seq: seqMark.slice(1, -1),
  });
  const prevAt = text.indexOf(prevMark);
  const seqAt = text.indexOf(seqMark);
  // Keys sort as UTF-16 code units, so "prevHash" comes before "seq": a fixed shape.
  if (prevAt < 0 || seqAt < prevAt) throw new Error('audit hash template: unexpected key order');
  return {
    before: text.slice(0, prevAt + 1),
    between: text.slice(prevAt + prevMark.length - 1, seqAt),
    after: text.slice(seqAt + seqMark.length),
  };
}
