import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUDIT_CHECKPOINT_TYPE,
  createApiKey,
  createAuditCheckpoint,
  createChallenge,
  createSecretBox,
  ensureTenant,
  generateSigningKey,
  hashAuditEntry,
  signCompactJws,
  type AuditEntry,
  type Scope,
} from '@keyra/core';
import { openStorage } from '@keyra/storage';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from '../packages/storage/test/postgresTestDatabase.js';
import { runKeyra } from './helpers/keyraProcess.js';

const T0 = Date.UTC(2026, 4, 29, 18, 40, 0);
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-audit-'));
const dropped: TestPostgresDatabase[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(dropped.map((database) => database.drop()));
});

/** Runs SQL directly against the database, as someone with write access to it would. */
type Raw = (statement: string, ...params: unknown[]) => Promise<void>;

interface Target {
  url: string;
  raw: Raw;
}

let files = 0;
async function sqliteTarget(): Promise<Target> {
  const file = path.join(dir, `audit-${++files}.db`);
  return {
    url: `sqlite:${file}`,
    async raw(statement, ...params) {
      const db = new BetterSqlite3(file);
      try {
        db.prepare(statement).run(...params);
      } finally {
        db.close();
      }
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const database = await createTestPostgresDatabase();
  dropped.push(database);
  return {
    url: database.url,
    async raw(statement, ...params) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        let n = 0;
        await client.query(
          statement.replace(/\?/g, () => `$${++n}`),
          params,
        );
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Tenant `acme` with 8 entries (3 keys, 5 challenges) and a signed checkpoint at seq 6; tenant
 * `globex` with 2 entries. Written through the verbs, as the server writes them.
 */
async function populate(url: string): Promise<{ acme: Scope; entries: AuditEntry[] }> {
  const storage = await openStorage(url, { migrate: true });
  try {
    const box = createSecretBox(randomBytes(32), 'signing-keys');
    const key = await generateSigningKey(box, T0);
    await storage.signingKeys.insert(key);
    const acme: Scope = {
      tenantId: (await ensureTenant(storage.tenants, 'acme', T0)).tenant.id,
      environment: 'production',
    };
    const globex: Scope = {
      tenantId: (await ensureTenant(storage.tenants, 'globex', T0)).tenant.id,
      environment: 'sandbox',
    };
    const newKey = (scope: Scope) => createApiKey(storage, { ...scope, audience: 'x', now: T0 });
    const newChallenge = (scope: Scope, i: number) =>
      createChallenge(
        scope,
        { action: 'payment.approve', userId: `usr_${i}`, payload: { amount: i }, audience: 'x' },
        { storage, now: T0 + i * 1000 },
      );
    for (let i = 0; i < 3; i += 1) await newKey(acme);
    for (let i = 1; i <= 3; i += 1) await newChallenge(acme, i);
    await createAuditCheckpoint(acme.tenantId, {
      audit: storage.audit,
      signer: {
        issuer: () => 'https://keyra.test',
        signAuditCheckpoint: (claims) =>
          signCompactJws(key, box, { ...claims }, AUDIT_CHECKPOINT_TYPE),
      },
      now: T0 + 10_000,
    });
    for (let i = 4; i <= 5; i += 1) await newChallenge(acme, i);
    await newKey(globex);
    await newChallenge(globex, 9);
    return { acme, entries: await storage.audit.list(acme.tenantId, {}, 100) };
  } finally {
    await storage.close();
  }
}

const verify = (url: string, ...args: string[]) =>
  runKeyra(['audit', 'verify', '--database', url, ...args]);

/** Re-hashes an edited entry as a forger who knows the algorithm would. */
const reseal = (entry: AuditEntry): AuditEntry => ({ ...entry, hash: hashAuditEntry(entry) });

async function writeEntry(raw: Raw, entry: AuditEntry): Promise<void> {
  await raw(
    'insert into audit_entries (id, tenant_id, seq, type, environment, actor, subject, data, occurred_at, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    entry.id,
    entry.tenantId,
    entry.seq,
    entry.type,
    entry.environment,
    entry.actor,
    entry.subject,
    JSON.stringify(entry.data),
    entry.occurredAt,
    entry.prevHash,
    entry.hash,
  );
}

interface Tamper {
  name: string;
  /** Changes the database directly; returns what the report must name. */
  apply(raw: Raw, entries: AuditEntry[]): Promise<{ seq: number; id?: string; problem: string }>;
}

const at = (entries: AuditEntry[], seq: number): AuditEntry => entries[seq - 1]!;

const TAMPERS: Tamper[] = [
  {
    name: 'an edited entry',
    async apply(raw, entries) {
      await raw("update audit_entries set actor = 'key_innocent' where id = ?", at(entries, 4).id);
      return { seq: 4, id: at(entries, 4).id, problem: 'hash_mismatch' };
    },
  },
  {
    name: 'an edited and re-hashed entry',
    async apply(raw, entries) {
      const forged = reseal({ ...at(entries, 4), data: { action: 'nothing.to.see' } });
      await raw(
        'update audit_entries set data = ?, hash = ? where id = ?',
        JSON.stringify(forged.data),
        forged.hash,
        forged.id,
      );
      return { seq: 5, id: at(entries, 5).id, problem: 'prev_hash_mismatch' };
    },
  },
  {
    name: 'a deleted entry',
    async apply(raw, entries) {
      await raw('delete from audit_entries where id = ?', at(entries, 3).id);
      return { seq: 4, id: at(entries, 4).id, problem: 'seq_gap' };
    },
  },
  {
    name: 'the last entry deleted',
    async apply(raw, entries) {
      await raw('delete from audit_entries where id = ?', at(entries, 8).id);
      return { seq: 8, problem: 'seq_gap' };
    },
  },
  {
    name: 'an entry inserted in the middle',
    async apply(raw, entries) {
      // Make room at seq 3 (two steps, so the unique (tenant, seq) never collides).
      const tenant = at(entries, 1).tenantId;
      await raw(
        'update audit_entries set seq = seq + 1000 where tenant_id = ? and seq >= 3',
        tenant,
      );
      await raw(
        'update audit_entries set seq = seq - 999 where tenant_id = ? and seq >= 1003',
        tenant,
      );
      await writeEntry(
        raw,
        reseal({ ...at(entries, 3), id: 'aud_forged000000000000000', subject: 'chl_forged' }),
      );
      return { seq: 4, id: at(entries, 3).id, problem: 'reorder' };
    },
  },
  {
    name: 'an entry appended behind KEYRA’s back',
    async apply(raw, entries) {
      const last = at(entries, 8);
      await writeEntry(
        raw,
        reseal({ ...last, id: 'aud_appended0000000000000', seq: 9, prevHash: last.hash }),
      );
      return { seq: 9, id: 'aud_appended0000000000000', problem: 'checkpoint_mismatch' };
    },
  },
  {
    name: 'two entries swapped',
    async apply(raw, entries) {
      await raw('update audit_entries set seq = -1 where id = ?', at(entries, 4).id);
      await raw('update audit_entries set seq = 4 where id = ?', at(entries, 5).id);
      await raw('update audit_entries set seq = 5 where id = ?', at(entries, 4).id);
      return { seq: 4, id: at(entries, 5).id, problem: 'reorder' };
    },
  },
  {
    name: 'the chain rewritten consistently up to a checkpoint (head updated too)',
    async apply(raw, entries) {
      let prevHash = at(entries, 2).hash;
      for (const entry of entries.slice(2)) {
        const forged = reseal({
          ...entry,
          prevHash,
          ...(entry.seq === 3 ? { data: { action: 'nothing.to.see' } } : {}),
        });
        await raw(
          'update audit_entries set data = ?, prev_hash = ?, hash = ? where id = ?',
          JSON.stringify(forged.data),
          forged.prevHash,
          forged.hash,
          forged.id,
        );
        prevHash = forged.hash;
      }
      await raw(
        'update audit_heads set hash = ? where tenant_id = ?',
        prevHash,
        at(entries, 1).tenantId,
      );
      return { seq: 6, id: at(entries, 6).id, problem: 'checkpoint_mismatch' };
    },
  },
  {
    name: 'a checkpoint edited to match a rewrite',
    async apply(raw) {
      await raw('update audit_checkpoints set hash = ?', 'ab'.repeat(32));
      return { seq: 6, problem: 'checkpoint_mismatch' };
    },
  },
];

const skipPostgres = await shouldSkipPostgres();

describe.each([
  ['SQLite', sqliteTarget, false],
  ['PostgreSQL', postgresTarget, skipPostgres],
] as const)('keyra audit verify on %s', (_name, target, skip) => {
  it.skipIf(skip)('exits 0 on an intact trail, per tenant and as JSON', async () => {
    const { url } = await target();
    await populate(url);
    const all = await verify(url);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^ok {6}acme \(ten_\w+\): 8 entries, 1 checkpoints, head seq 8\.$/m);
    expect(all.stdout).toMatch(/^ok {6}globex /m);
    const json = await verify(url, '--tenant', 'globex', '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      intact: true,
      tenants: [{ tenant: 'globex', intact: true, entries: 2, broken: null }],
    });
    const unknown = await verify(url, '--tenant', 'nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No tenant named "nobody"');
  });

  for (const tamper of TAMPERS) {
    it.skipIf(skip)(`exits 1 naming the first broken entry after ${tamper.name}`, async () => {
      const { url, raw } = await target();
      const { entries } = await populate(url);
      const expected = await tamper.apply(raw, entries);
      const result = await verify(url, '--json');
      expect(result.code, result.stdout + result.stderr).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.intact).toBe(false);
      const acme = report.tenants.find((t: { tenant: string }) => t.tenant === 'acme');
      expect(acme.broken).toMatchObject(expected);
      // The other tenant's chain is untouched and still reported intact.
      expect(report.tenants.find((t: { tenant: string }) => t.tenant === 'globex').intact).toBe(
        true,
      );
      // The human form says the same (checked once: each CLI run costs a process start).
      if (tamper !== TAMPERS[0]) return;
      const human = await verify(url, '--tenant', 'acme');
      expect(human.code).toBe(1);
      expect(human.stdout).toContain(`BROKEN  acme`);
      expect(human.stdout).toContain(`entry ${expected.seq}`);
      expect(human.stdout).toContain(expected.problem);
    });
  }
});
