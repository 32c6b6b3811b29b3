import {
  AUDIT_GENESIS_HASH,
  appendAudit,
  verifyAuditChain,
  type AuditCheckpointRecord,
  type Scope,
} from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage, OpenStorageOptions } from '../src/index.js';

const T0 = 1_700_000_000_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const A_LIVE: Scope = { tenantId: 'tnt_a', environment: 'production' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;
type Open = (url: string, options?: OpenStorageOptions) => Promise<DatabaseStorage>;

function checkpoint(id: string, seq: number, createdAt: number): AuditCheckpointRecord {
  return {
    id,
    tenantId: A.tenantId,
    seq,
    hash: 'cd'.repeat(32),
    signature: 'eyJ.x.y',
    createdAt,
    stampId: null,
  };
}

/** The audit chain store: gap-free, linked, per tenant, in the caller's transaction. */
export function auditContract(setup: Setup, open: Open): void {
  it('appends a linked chain per tenant, seq 1, 2, 3…, and moves the head', async () => {
    const { storage } = await setup();
    expect(await storage.audit.head(A.tenantId)).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
    await appendAudit(storage, A, { type: 'challenge.created', subject: 'ch_1' }, T0);
    await appendAudit(
      storage,
      A_LIVE,
      { type: 'api_key.created', actor: 'cli', subject: 'key_1', data: { n: 1 } },
      T0 + 1,
    );
    await appendAudit(storage, B, { type: 'challenge.created', subject: 'ch_2' }, T0);
    const chain = await storage.audit.list(A.tenantId, {}, 10);
    const [first, second] = chain;
    const [other] = await storage.audit.list(B.tenantId, {}, 10);
    if (!first || !second || !other) throw new Error(`chain: ${JSON.stringify(chain)}`);
    expect([first.seq, second.seq, other.seq]).toEqual([1, 2, 1]);
    expect(first).toMatchObject({ subject: 'ch_1', environment: 'sandbox', actor: 'system' });
    expect(second).toMatchObject({ subject: 'key_1', environment: 'production', actor: 'cli' });
    expect(second.data).toEqual({ n: 1 });
    expect(first.prevHash).toBe(AUDIT_GENESIS_HASH);
    expect(second.prevHash).toBe(first.hash);
    expect(await storage.audit.head(A.tenantId)).toEqual({ seq: 2, hash: second.hash });
    expect(chain).toHaveLength(2);
    expect(verifyAuditChain(chain)).toEqual({
      intact: true,
      count: 2,
      head: { seq: 2, hash: second.hash },
    });
    expect((await storage.audit.list(B.tenantId, {}, 10)).map((e) => e.subject)).toEqual(['ch_2']);
    expect(await storage.audit.tenantsWithChains()).toEqual(['tnt_a', 'tnt_b']);
  });

  it('hashes any data as the verifiers do: quotes, control characters, non-BMP text, look-alike keys', async () => {
    const { storage } = await setup();
    const data = [
      { note: 'quote " backslash \\ newline \n nul \u0000', prevHash: 'x', seq: 7 },
      { text: 'naïve café — 日本語 — 🔐👩🏽‍💻', nested: { prevHash: AUDIT_GENESIS_HASH } },
      { amount: 1e21, small: 0.1, list: [true, null, -0] },
    ];
    for (const [i, d] of data.entries())
      await appendAudit(storage, A, { type: 'voice.verified', subject: `v_${i}`, data: d }, T0 + i);
    const chain = await storage.audit.list(A.tenantId, {}, 10);
    expect(chain.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(verifyAuditChain(chain).intact).toBe(true);
    expect(await storage.audit.head(A.tenantId)).toEqual({ seq: 3, hash: chain[2]!.hash });
  });

  it('filters by type, subject, environment and time, and pages by seq', async () => {
    const { storage } = await setup();
    for (let i = 1; i <= 5; i += 1)
      await appendAudit(
        storage,
        i % 2 ? A : A_LIVE,
        { type: i === 3 ? 'device.revoked' : 'challenge.created', subject: `s_${i}` },
        T0 + i * 1000,
      );
    const seqs = async (...args: Parameters<DatabaseStorage['audit']['list']>): Promise<number[]> =>
      (await storage.audit.list(...args)).map((e) => e.seq);
    expect(await seqs(A.tenantId, {}, 2)).toEqual([1, 2]);
    expect(await seqs(A.tenantId, {}, 2, 2)).toEqual([3, 4]);
    expect(await seqs(A.tenantId, { type: 'device.revoked' }, 10)).toEqual([3]);
    expect(await seqs(A.tenantId, { subject: 's_4' }, 10)).toEqual([4]);
    expect(await seqs(A.tenantId, { environment: 'production' }, 10)).toEqual([2, 4]);
    expect(await seqs(A.tenantId, { since: T0 + 2000, until: T0 + 4000 }, 10)).toEqual([2, 3]);
  });

  it('rolls back with the fact: an aborted transaction leaves no entry and no gap', async () => {
    const { storage } = await setup();
    await appendAudit(storage, A, { type: 'challenge.created', subject: 'ch_1' }, T0);
    await expect(
      storage.transaction(async (tx) => {
        await appendAudit(tx, A, { type: 'challenge.created', subject: 'ch_2' }, T0);
        throw new Error('the fact failed');
      }),
    ).rejects.toThrow('the fact failed');
    await appendAudit(storage, A, { type: 'challenge.created', subject: 'ch_3' }, T0);
    const chain = await storage.audit.list(A.tenantId, {}, 10);
    expect(chain.map((e) => [e.seq, e.subject])).toEqual([
      [1, 'ch_1'],
      [2, 'ch_3'],
    ]);
    expect(verifyAuditChain(chain).intact).toBe(true);
  });

  it('stays gap-free and linked with many concurrent transactions from separate connections', async () => {
    const { url } = await setup();
    // Three independent storages (three pools on PostgreSQL, three connections on a SQLite file)
    // stand for three server instances.
    const instances = await Promise.all([open(url), open(url), open(url)]);
    const perInstance = 20;
    await Promise.all(
      instances.flatMap((instance, i) =>
        Array.from({ length: perInstance }, (_, j) =>
          instance.transaction(async (tx) => {
            await appendAudit(tx, A, { type: 'challenge.created', subject: `ch_${i}_${j}` }, T0);
            // Something after the append, so transactions really overlap while holding the head.
            await tx.audit.head(A.tenantId);
          }),
        ),
      ),
    );
    const chain = await instances[0]!.audit.list(A.tenantId, {}, 1000);
    expect(chain.map((e) => e.seq)).toEqual(
      Array.from({ length: instances.length * perInstance }, (_, k) => k + 1),
    );
    expect(verifyAuditChain(chain).intact).toBe(true);
    expect(new Set(chain.map((e) => e.subject)).size).toBe(chain.length);
    expect((await instances[1]!.audit.head(A.tenantId)).seq).toBe(chain.length);
  });

  it('stores checkpoints and lists them newest first with a keyset position', async () => {
    const { storage } = await setup();
    await storage.audit.insertCheckpoint(checkpoint('acp_1', 1, T0));
    await storage.audit.insertCheckpoint(checkpoint('acp_2', 2, T0 + 1000));
    await storage.audit.insertCheckpoint({
      ...checkpoint('acp_3', 3, T0 + 2000),
      stampId: 'stp_1',
    });
    const all = await storage.audit.listCheckpoints(A.tenantId, 10);
    expect(all.map((c) => c.id)).toEqual(['acp_3', 'acp_2', 'acp_1']);
    expect(all[0]).toEqual({ ...checkpoint('acp_3', 3, T0 + 2000), stampId: 'stp_1' });
    const after = await storage.audit.listCheckpoints(A.tenantId, 10, {
      createdAt: T0 + 1000,
      id: 'acp_2',
    });
    expect(after.map((c) => c.id)).toEqual(['acp_1']);
    expect(await storage.audit.listCheckpoints(B.tenantId, 10)).toEqual([]);
  });
}
