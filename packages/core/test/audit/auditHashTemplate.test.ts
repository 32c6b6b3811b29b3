import { describe, expect, it } from 'vitest';
import {
  AUDIT_GENESIS_HASH,
  auditDocument,
  auditHashTemplate,
  canonicalJson,
  sealAuditEntry,
  type AuditDraft,
} from '../../src/index.js';

const draft = (data: Record<string, unknown>): AuditDraft => ({
  id: 'aud_1',
  tenantId: 'ten_1',
  type: 'challenge.created',
  environment: 'sandbox',
  actor: 'key_1',
  subject: 'chl_1',
  data,
  occurredAt: Date.UTC(2027, 0, 15, 9, 0, 0, 7),
});

// Data a verifier must hash the same way wherever the hash is computed: nested keys named like the
// placeholders' neighbours, quotes, backslashes, control characters, non-BMP text, numbers.
const AWKWARD: Record<string, unknown>[] = [
  {},
  { prevHash: 'x', seq: 99, nested: { prevHash: AUDIT_GENESIS_HASH, seq: '1' } },
  { note: 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007' },
  { text: 'naïve café — 日本語 — 🔐👩🏽‍💻', é: 1, '\u{1F600}': [1.5, -0, 1e21, 2 ** 53] },
  { amount: 10000, currency: 'EUR', flags: [true, false, null] },
];

describe('auditHashTemplate', () => {
  it.each(AWKWARD.map((data) => [JSON.stringify(data), data]))(
    'splits the hashed text around prevHash and seq: %s',
    (_label, data) => {
      const d = draft(data as Record<string, unknown>);
      const { before, between, after } = auditHashTemplate(d);
      for (const head of [
        { seq: 0, hash: AUDIT_GENESIS_HASH },
        { seq: 41, hash: 'ab'.repeat(32) },
        { seq: 9_007_199_254_740_990, hash: 'f0'.repeat(32) },
      ]) {
        const entry = sealAuditEntry(d, head);
        expect(before + head.hash + between + String(head.seq + 1) + after).toBe(
          canonicalJson(auditDocument(entry)),
        );
      }
    },
  );

  it('seals the entry after a head: next seq, the head hash as prevHash', () => {
    const entry = sealAuditEntry(draft({ n: 1 }), { seq: 4, hash: 'cd'.repeat(32) });
    expect(entry.seq).toBe(5);
    expect(entry.prevHash).toBe('cd'.repeat(32));
    expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
