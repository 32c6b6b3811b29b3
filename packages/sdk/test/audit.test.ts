import http from 'node:http';
import { AUDIT_GENESIS_HASH as CORE_GENESIS, auditDocument, hashAuditEntry } from '@keyra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyra, verifyAuditChain, type AuditEntry } from '../src/index.js';

/** A chain as the server hashes and shows it (core's own hashing, then the API's JSON form). */
function serverChain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prevHash = CORE_GENESIS;
  for (let seq = 1; seq <= n; seq += 1) {
    const record = {
      id: `aud_${seq}`,
      tenantId: 'ten_1',
      seq,
      type: 'challenge.created',
      environment: 'production' as const,
      actor: 'key_1',
      subject: `chl_${seq}`,
      data: { action: 'payment.approve', amount: seq * 1.5, note: 'é ✓' },
      occurredAt: Date.UTC(2026, 4, 29, 18, 40, seq),
      prevHash,
    };
    const hash = hashAuditEntry(record);
    out.push({ ...(auditDocument(record) as Omit<AuditEntry, 'hash'>), hash });
    prevHash = hash;
  }
  return out;
}

describe('verifyAuditChain (SDK)', () => {
  it('accepts what the server hashed, and continues from a previous page', async () => {
    const entries = serverChain(6);
    expect(await verifyAuditChain(entries)).toEqual({
      intact: true,
      count: 6,
      head: { seq: 6, hash: entries[5]!.hash },
    });
    const after = { seq: 3, hash: entries[2]!.hash };
    expect((await verifyAuditChain(entries.slice(3), { after })).intact).toBe(true);
  });

  it('names an edited, a re-linked, a missing and a repeated entry', async () => {
    const entries = serverChain(5);
    const edited = entries.map((e) => (e.seq === 3 ? { ...e, actor: 'key_2' } : e));
    expect(await verifyAuditChain(edited)).toMatchObject({
      intact: false,
      broken: { seq: 3, id: 'aud_3', problem: 'hash_mismatch' },
    });
    const relinked = entries.map((e) => (e.seq === 4 ? { ...e, prevHash: CORE_GENESIS } : e));
    expect((await verifyAuditChain(relinked)).intact).toBe(false);
    expect(await verifyAuditChain([entries[0]!, entries[2]!])).toMatchObject({
      broken: { seq: 3, problem: 'seq_gap' },
    });
    expect(await verifyAuditChain([entries[0]!, entries[0]!])).toMatchObject({
      broken: { seq: 1, problem: 'reorder' },
    });
  });
});

describe('keyra.audit', () => {
  const chain = serverChain(5);
  let server: http.Server;
  let baseUrl: string;
  const seen: { url: string; accept: string | undefined }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', accept: req.headers.accept });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/v1/audit/export') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.end(chain.map((e) => `${JSON.stringify(e)}\n`).join(''));
        return;
      }
      const start = Number(url.searchParams.get('cursor') ?? '0');
      const data = chain.slice(start, start + 2);
      const next = start + 2 < chain.length ? String(start + 2) : null;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data, hasMore: next !== null, nextCursor: next }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('iterates every page and exports NDJSON, both verifiable', async () => {
    const keyra = new Keyra({ apiKey: 'sk_live_x', baseUrl });
    const iterated: AuditEntry[] = [];
    for await (const entry of keyra.audit.iterate({ limit: 2 })) iterated.push(entry);
    expect(iterated).toEqual(chain);
    expect(seen.filter((s) => s.url.startsWith('/v1/audit?')).map((s) => s.url)).toEqual([
      '/v1/audit?limit=2',
      '/v1/audit?limit=2&cursor=2',
      '/v1/audit?limit=2&cursor=4',
    ]);
    const exported = await keyra.audit.export({ type: 'challenge.created' });
    expect(exported).toEqual(chain);
    expect(seen.at(-1)).toEqual({
      url: '/v1/audit/export?type=challenge.created',
      accept: 'application/x-ndjson',
    });
    expect((await verifyAuditChain(exported)).intact).toBe(true);
  });
});
