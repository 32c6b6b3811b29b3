import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  auditDocument,
  canonicalJson,
  hashAuditEntry,
  verifyAuditChain,
  type AuditEntry,
} from '../../src/index.js';
import { createHash } from 'node:crypto';

const T0 = Date.UTC(2027, 0, 15, 9, 0, 0);

/** A well-formed chain of `n` entries of tenant `ten_1`, built the way `appendAudit` builds them. */
function chain(n: number): AuditEntry[] {
  const entries: AuditEntry[] = [];
  let prevHash = AUDIT_GENESIS_HASH;
  for (let seq = 1; seq <= n; seq += 1) {
    const entry = {
      id: `aud_${String(seq).padStart(8, '0')}`,
      tenantId: 'ten_1',
      seq,
      type: 'challenge.created',
      environment: 'sandbox' as const,
      actor: 'key_1',
      subject: `chl_${seq}`,
      data: { action: 'payment.approve', amount: seq * 100 },
      occurredAt: T0 + seq * 1000,
      prevHash,
    };
    const hashed = { ...entry, hash: hashAuditEntry(entry) };
    entries.push(hashed);
    prevHash = hashed.hash;
  }
  return entries;
}

/** Re-seals an edited entry as a forger with the algorithm (but without the later entries) would. */
function reseal(entry: AuditEntry): AuditEntry {
  return { ...entry, hash: hashAuditEntry(entry) };
}

describe('hashAuditEntry', () => {
  it('is the SHA-256 of the RFC 8785 form of the entry without its hash, time with milliseconds', () => {
    const [entry] = chain(1);
    const document = auditDocument(entry!);
    expect(document.occurredAt).toBe('2027-01-15T09:00:01.000Z');
    expect(Object.keys(document)).not.toContain('hash');
    expect(entry!.hash).toBe(
      createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex'),
    );
  });
});

describe('verifyAuditChain', () => {
  it('accepts an intact chain and reports its head', () => {
    const entries = chain(5);
    expect(verifyAuditChain(entries)).toEqual({
      intact: true,
      count: 5,
      head: { seq: 5, hash: entries[4]!.hash },
    });
    expect(verifyAuditChain([])).toEqual({
      intact: true,
      count: 0,
      head: { seq: 0, hash: AUDIT_GENESIS_HASH },
    });
  });

  it('checks a later page against the previous page, or only its inner links', () => {
    const entries = chain(6);
    const previous = { seq: 3, hash: entries[2]!.hash };
    expect(verifyAuditChain(entries.slice(3), { after: previous }).intact).toBe(true);
    expect(verifyAuditChain(entries.slice(3), { after: null }).intact).toBe(true);
    // Without a starting point a later page does not start the chain: entries 1..3 are missing.
    expect(verifyAuditChain(entries.slice(3))).toMatchObject({
      intact: false,
      broken: { seq: 4, problem: 'seq_gap' },
    });
  });

  it('names an edited entry (hash mismatch)', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2]!, data: { action: 'payment.approve', amount: 1 } };
    expect(verifyAuditChain(entries)).toMatchObject({
      intact: false,
      count: 2,
      broken: { seq: 3, id: entries[2]!.id, problem: 'hash_mismatch' },
    });
  });

  it('names the entry after one edited and re-hashed (prevHash mismatch)', () => {
    const entries = chain(5);
    entries[1] = reseal({ ...entries[1]!, actor: 'key_someone_else' });
    expect(verifyAuditChain(entries)).toMatchObject({
      intact: false,
      broken: { seq: 3, problem: 'prev_hash_mismatch' },
    });
  });

  it('names where entries were deleted (seq gap)', () => {
    const entries = chain(5);
    entries.splice(1, 2);
    const report = verifyAuditChain(entries);
    expect(report).toMatchObject({ intact: false, broken: { seq: 4, problem: 'seq_gap' } });
    if (!report.intact) expect(report.broken.message).toContain('2..3');
  });

  it('names an inserted entry', () => {
    const entries = chain(4);
    // A forged entry 3 that links to entry 2, pushing the real 3 and 4 up by one.
    const forged = reseal({ ...entries[2]!, id: 'aud_forged', subject: 'chl_forged' });
    const shifted = entries.slice(2).map((entry) => ({ ...entry, seq: entry.seq + 1 }));
    const report = verifyAuditChain([...entries.slice(0, 2), forged, ...shifted]);
    expect(report).toMatchObject({ intact: false, broken: { seq: 4, problem: 'reorder' } });
  });

  it('names reordered entries, in a given order or renumbered', () => {
    const entries = chain(5);
    expect(verifyAuditChain([entries[0]!, entries[2]!, entries[1]!])).toMatchObject({
      intact: false,
      broken: { seq: 3, problem: 'seq_gap' },
    });
    expect(verifyAuditChain([entries[0]!, entries[1]!, entries[1]!])).toMatchObject({
      intact: false,
      broken: { seq: 2, problem: 'reorder' },
    });
    // Swapped in the database: each row kept its position's seq but holds the other's content.
    const swapped = [
      entries[0]!,
      { ...entries[2]!, seq: 2 },
      { ...entries[1]!, seq: 3 },
      ...entries.slice(3),
    ];
    expect(verifyAuditChain(swapped)).toMatchObject({
      intact: false,
      broken: { seq: 2, id: entries[2]!.id, problem: 'reorder' },
    });
  });

  it('refuses an entry of another tenant', () => {
    const entries = chain(3);
    entries[1] = reseal({ ...entries[1]!, tenantId: 'ten_2' });
    expect(verifyAuditChain(entries)).toMatchObject({
      intact: false,
      broken: { seq: 2, problem: 'tenant_mismatch' },
    });
  });
});
