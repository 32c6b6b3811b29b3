import type {
  WebhookDeliveryRecord,
  WebhookEndpointRecord,
  CeremonyRecord,
  DeviceRecord,
  SigningKeyRecord,
  ApiKeyRecord,
  ChallengeRecord,
  ClaimIdempotencyInput,
  Environment,
  Scope,
} from '@keyra/core';
import { auditDraft } from '@keyra/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  getMigrationStatus,
  migrateToLatest,
  openStorage,
  type DatabaseStorage,
  type OpenStorageOptions,
} from '../src/index.js';
import { Migrator, sql } from 'kysely';
import { connectDatabase } from '../src/internal/connectDatabase.js';
import { apiKeyToRow, challengeToRow } from '../src/internal/rows.js';
import { MIGRATIONS, migrationProvider } from '../src/internal/migrations/migrations.js';
import { voiceContract } from './voiceContract.js';
import { stampsUsageContract } from './stampsUsageContract.js';
import { foreignScopeContract } from './foreignScopeContract.js';
import { deliverySignalsContract } from './deliverySignalsContract.js';
import { cibaContract } from './cibaContract.js';
import { auditContract } from './auditContract.js';
import { quorumContract } from './quorumContract.js';
import { consoleContract } from './consoleContract.js';
import { policyContract } from './policyContract.js';

/** A database backend the contract runs against. */
export interface StorageContractTarget {
  readonly kind: 'sqlite' | 'postgres';
  /** URL of a migrated database with no rows, for one test (a new file, or the suite's database emptied). */
  cleanDatabase(): Promise<string>;
  /** URL of a new database without any schema, for migration tests. */
  emptyDatabase(): Promise<string>;
}

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const ALL_MIGRATIONS = Object.keys(MIGRATIONS).sort();

const SANDBOX_A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const LIVE_A: Scope = { tenantId: 'tnt_a', environment: 'production' };
const SANDBOX_B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

function challenge(overrides: Partial<ChallengeRecord> & { id: string }): ChallengeRecord {
  return {
    tenantId: SANDBOX_A.tenantId,
    environment: SANDBOX_A.environment,
    action: 'payment.approve',
    userId: 'user_1',
    payload: { amount: 4200, currency: 'EUR' },
    digest: 'ab'.repeat(32),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 5 * MINUTE,
    deviceId: null,
    method: null,
    proof: null,
    decidedAt: null,
    stampRequested: false,
    stampId: null,
    audience: 'payments-api',
    metadata: { orderId: 'ord_1042' },
    ...overrides,
  };
}

function inScope(scope: Scope): { tenantId: string; environment: Environment } {
  return { tenantId: scope.tenantId, environment: scope.environment };
}

function apiKey(overrides: Partial<ApiKeyRecord> & { id: string }): ApiKeyRecord {
  return {
    tenantId: SANDBOX_A.tenantId,
    environment: 'sandbox',
    hash: `hash_${overrides.id}`,
    displayPrefix: 'sk_test_abcd',
    createdAt: T0,
    expiresAt: null,
    revokedAt: null,
    replacedBy: null,
    audience: 'payments-api',
    ...overrides,
  };
}

function claimInput(overrides: Partial<ClaimIdempotencyInput> = {}): ClaimIdempotencyInput {
  return {
    scope: SANDBOX_A,
    key: 'idem-1',
    fingerprint: 'fp-1',
    method: 'POST',
    path: '/v1/challenges',
    now: T0,
    retentionMs: 24 * 60 * MINUTE,
    lockMs: MINUTE,
    ...overrides,
  };
}

/**
 * The behaviour every storage adapter must have. Each test gets its own clean database, so
 * global operations (expiry sweep, purge, tenant count) see only that test's rows.
 */
export function storageContract(target: StorageContractTarget): void {
  const opened: DatabaseStorage[] = [];
  // Several pooled connections on PostgreSQL, so "concurrent" calls really overlap in the database.
  const poolSize = 8;

  async function open(url: string, options: OpenStorageOptions = {}): Promise<DatabaseStorage> {
    const storage = await openStorage(url, { poolSize, ...options });
    opened.push(storage);
    return storage;
  }

  /** A clean database with tenants A and B, and a storage on it. */
  async function setup(): Promise<{ url: string; storage: DatabaseStorage }> {
    const url = await target.cleanDatabase();
    const storage = await open(url);
    await storage.tenants.create({
      id: 'tnt_a',
      name: 'Tenant A',
      createdAt: T0,
      plan: 'pilot',
      freeCredits: 1000,
    });
    await storage.tenants.create({
      id: 'tnt_b',
      name: 'Tenant B',
      createdAt: T0,
      plan: 'pilot',
      freeCredits: 1000,
    });
    return { url, storage };
  }

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
  });

  describe(`storage contract (${target.kind})`, () => {
    describe('openStorage and migrations', () => {
      it('reports its kind and answers ping', async () => {
        const { storage } = await setup();
        expect(storage.kind).toBe(target.kind);
        await expect(storage.ping()).resolves.toBeUndefined();
      });

      it('close is idempotent and later queries fail', async () => {
        const storage = await open(await target.cleanDatabase());
        await storage.close();
        await storage.close();
        await expect(storage.ping()).rejects.toThrow();
      });

      it('rejects unsupported URLs with a clear error', async () => {
        await expect(openStorage('mysql://root@localhost/keyra')).rejects.toThrow(
          /Unsupported database URL.*mysql:/,
        );
        await expect(openStorage('keyra.db')).rejects.toThrow(/Unsupported database URL/);
        await expect(openStorage('sqlite:')).rejects.toThrow(/needs a file path/);
      });

      it('does not migrate unless asked', async () => {
        const url = await target.emptyDatabase();
        const storage = await open(url);
        expect(await storage.migrationStatus()).toEqual({ applied: [], pending: ALL_MIGRATIONS });
        await expect(storage.tenants.count()).rejects.toThrow();
      });

      it('migrates an empty database, and migrating again is a no-op', async () => {
        const url = await target.emptyDatabase();
        expect(await getMigrationStatus(url)).toEqual({ applied: [], pending: ALL_MIGRATIONS });
        expect(await migrateToLatest(url)).toEqual({
          applied: ALL_MIGRATIONS,
          current: ALL_MIGRATIONS.at(-1),
        });
        expect(await migrateToLatest(url)).toEqual({ applied: [], current: ALL_MIGRATIONS.at(-1) });
        expect(await getMigrationStatus(url)).toEqual({ applied: ALL_MIGRATIONS, pending: [] });
        const storage = await open(url, { migrate: true });
        expect(await migrateToLatest(storage)).toEqual({
          applied: [],
          current: ALL_MIGRATIONS.at(-1),
        });
        expect(await storage.tenants.count()).toBe(0);
      });

      it('0006 gives existing keys and challenges their tenant name as audience', async () => {
        const url = await target.emptyDatabase();
        const { db } = await connectDatabase(url);
        try {
          const migrated = await new Migrator({ db, provider: migrationProvider }).migrateTo(
            '0005_stamps_usage',
          );
          expect(migrated.error).toBeUndefined();
          await db
            .insertInto('tenants')
            .values({ id: 'tnt_old', name: 'Old Bank', created_at: T0 } as never)
            .execute();
          const {
            audience: _key,
            last_used_at: _lu,
            ...oldKey
          } = apiKeyToRow(apiKey({ id: 'key_old', tenantId: 'tnt_old' }));
          await db
            .insertInto('api_keys')
            .values(oldKey as never)
            .execute();
          // The row as 0005 knew it: without the columns later migrations add.
          const {
            audience: _ch,
            metadata: _md,
            binding_message: _bm,
            quorum: _q,
            reject_on: _ro,
            ...oldChallenge
          } = challengeToRow(challenge({ id: 'chl_old', tenantId: 'tnt_old' }));
          await db
            .insertInto('challenges')
            .values(oldChallenge as never)
            .execute();
        } finally {
          await db.destroy();
        }
        expect((await migrateToLatest(url)).applied).toContain('0006_proof_binding');
        const storage = await open(url);
        expect((await storage.apiKeys.findById('key_old'))?.audience).toBe('Old Bank');
        expect(
          await storage.challenges.find({ tenantId: 'tnt_old', environment: 'sandbox' }, 'chl_old'),
        ).toMatchObject({ audience: 'Old Bank', metadata: {} });
      });

      it('openStorage({ migrate: true }) brings an empty database to the latest schema', async () => {
        const storage = await open(await target.emptyDatabase(), { migrate: true });
        expect(await getMigrationStatus(storage)).toEqual({ applied: ALL_MIGRATIONS, pending: [] });
      });

      it('0007_challenge_cancel keeps every challenge row and index, and only then allows canceled', async () => {
        const url = await target.emptyDatabase();
        const { db } = await connectDatabase(url);
        try {
          const before = Object.fromEntries(
            Object.entries(MIGRATIONS).filter(([name]) => name < '0007_challenge_cancel'),
          );
          const to0005 = new Migrator({ db, provider: { getMigrations: async () => before } });
          expect((await to0005.migrateToLatest()).error).toBeUndefined();
          const row = {
            id: 'ch_old',
            tenant_id: 'tnt_a',
            environment: 'sandbox' as const,
            action: 'wire.send',
            user_id: 'u_1',
            payload: '{"amount":1}',
            digest: 'd'.repeat(64),
            status: 'approved' as ChallengeRecord['status'],
            created_at: T0,
            expires_at: T0 + MINUTE,
            decided_at: T0 + 1,
            device_id: 'dev_1',
            method: 'device' as const,
            proof: 'eyJ.proof',
            stamp_requested: 1,
            stamp_id: 'stp_1',
            audience: 'A',
            metadata: '{}',
          };
          await sql`insert into tenants (id, name, created_at) values ('tnt_a', 'A', ${T0})`.execute(
            db,
          );
          await db.insertInto('challenges').values(row).execute();
          const refused = db
            .insertInto('challenges')
            .values({ ...row, id: 'ch_new', status: 'canceled' as ChallengeRecord['status'] })
            .execute();
          await expect(refused).rejects.toThrow(/check/i);
        } finally {
          await db.destroy();
        }
        await migrateToLatest(url);
        const storage = await open(url);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_old')).toMatchObject({
          id: 'ch_old',
          status: 'approved',
          payload: { amount: 1 },
          decidedAt: T0 + 1,
          deviceId: 'dev_1',
          proof: 'eyJ.proof',
          stampRequested: true,
          stampId: 'stp_1',
        });
        await storage.challenges.insert(challenge({ id: 'ch_pending' }));
        expect(await storage.challenges.cancel(SANDBOX_A, 'ch_pending', T0 + 1)).toMatchObject({
          status: 'canceled',
        });
        // Another status is still refused, and the indexes survived the SQLite table rebuild.
        const { db: after } = await connectDatabase(url);
        try {
          await expect(
            sql`update challenges set status = 'deleted' where id = 'ch_old'`.execute(after),
          ).rejects.toThrow(/check/i);
          const indexes =
            target.kind === 'sqlite'
              ? await sql<{
                  name: string;
                }>`select name from sqlite_master where type = 'index' and tbl_name = 'challenges' and sql is not null`.execute(
                  after,
                )
              : await sql<{
                  name: string;
                }>`select indexname as name from pg_indexes where tablename = 'challenges' and indexname <> 'challenges_pkey'`.execute(
                  after,
                );
          expect(indexes.rows.map((r) => r.name).sort()).toEqual([
            'challenges_scope_created_idx',
            'challenges_status_expires_idx',
          ]);
        } finally {
          await after.destroy();
        }
      });

      it('concurrent migrations apply each migration exactly once', async () => {
        const url = await target.emptyDatabase();
        const results = await Promise.all([
          migrateToLatest(url),
          migrateToLatest(url),
          migrateToLatest(url),
        ]);
        expect(results.flatMap((result) => result.applied).sort()).toEqual(ALL_MIGRATIONS);
        expect(await getMigrationStatus(url)).toEqual({ applied: ALL_MIGRATIONS, pending: [] });
      });
    });

    describe('tenants', () => {
      it('creates, finds by id and name, counts', async () => {
        const { storage } = await setup();
        expect(await storage.tenants.count()).toBe(2);
        await storage.tenants.create({
          id: 'tnt_c',
          name: 'Tenant C',
          createdAt: T0 + 1,
          plan: 'pilot',
          freeCredits: 1000,
        });
        expect(await storage.tenants.findById('tnt_c')).toEqual({
          id: 'tnt_c',
          name: 'Tenant C',
          createdAt: T0 + 1,
          plan: 'pilot',
          freeCredits: 1000,
        });
        expect(await storage.tenants.findByName('Tenant C')).toEqual({
          id: 'tnt_c',
          name: 'Tenant C',
          createdAt: T0 + 1,
          plan: 'pilot',
          freeCredits: 1000,
        });
        expect(await storage.tenants.findById('tnt_missing')).toBeNull();
        expect(await storage.tenants.findByName('missing')).toBeNull();
        expect(await storage.tenants.count()).toBe(3);
      });

      it('lists tenants oldest first and changes a plan', async () => {
        const { storage } = await setup();
        expect((await storage.tenants.list()).map((t) => t.id)).toEqual(['tnt_a', 'tnt_b']);
        expect(await storage.tenants.setPlan('tnt_b', 'scale')).toMatchObject({
          id: 'tnt_b',
          plan: 'scale',
        });
        expect(await storage.tenants.findById('tnt_b')).toMatchObject({ plan: 'scale' });
        expect(await storage.tenants.findById('tnt_a')).toMatchObject({ plan: 'pilot' });
        expect(await storage.tenants.setPlan('tnt_missing', 'scale')).toBeNull();
        await expect(storage.tenants.setPlan('tnt_a', 'gold' as 'scale')).rejects.toThrow();
      });

      it('refuses a duplicate name or id', async () => {
        const { storage } = await setup();
        await expect(
          storage.tenants.create({
            id: 'tnt_x',
            name: 'Tenant A',
            createdAt: T0,
            plan: 'pilot',
            freeCredits: 1000,
          }),
        ).rejects.toThrow();
        await expect(
          storage.tenants.create({
            id: 'tnt_a',
            name: 'Other',
            createdAt: T0,
            plan: 'pilot',
            freeCredits: 1000,
          }),
        ).rejects.toThrow();
        expect(await storage.tenants.count()).toBe(2);
      });
    });

    describe('api keys', () => {
      it('inserts and finds by hash and id, whatever the state', async () => {
        const { storage } = await setup();
        const key = apiKey({
          id: 'key_1',
          revokedAt: T0 + 1,
          expiresAt: T0 + 2,
          replacedBy: 'key_2',
        });
        await storage.apiKeys.insert(key);
        expect(await storage.apiKeys.findByHash(key.hash)).toEqual(key);
        expect(await storage.apiKeys.findById('key_1')).toEqual(key);
        expect(await storage.apiKeys.findByHash('nope')).toBeNull();
        expect(await storage.apiKeys.findById('nope')).toBeNull();
      });

      it('records the last use at most once per interval, in one conditional write', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_1' }));
        expect((await storage.apiKeys.findById('key_1'))?.lastUsedAt ?? null).toBeNull();
        expect(await storage.apiKeys.markUsed('key_1', T0 + MINUTE, MINUTE)).toBe(true);
        expect(await storage.apiKeys.markUsed('key_1', T0 + MINUTE + 5, MINUTE)).toBe(false);
        expect((await storage.apiKeys.findById('key_1'))?.lastUsedAt).toBe(T0 + MINUTE);
        const racing = await Promise.all(
          Array.from({ length: 5 }, () =>
            storage.apiKeys.markUsed('key_1', T0 + 3 * MINUTE, MINUTE),
          ),
        );
        expect(racing.filter(Boolean)).toHaveLength(1);
        expect((await storage.apiKeys.findByHash('hash_key_1'))?.lastUsedAt).toBe(T0 + 3 * MINUTE);
        expect(await storage.apiKeys.markUsed('key_missing', T0, MINUTE)).toBe(false);
      });

      it('refuses a duplicate hash', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_1', hash: 'same' }));
        await expect(
          storage.apiKeys.insert(apiKey({ id: 'key_2', hash: 'same' })),
        ).rejects.toThrow();
        expect(await storage.apiKeys.findById('key_2')).toBeNull();
      });

      it('lists a tenant’s keys newest first, optionally for one environment', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_1', createdAt: T0 }));
        await storage.apiKeys.insert(
          apiKey({ id: 'key_2', createdAt: T0 + 2, environment: 'production' }),
        );
        await storage.apiKeys.insert(apiKey({ id: 'key_3', createdAt: T0 + 1 }));
        await storage.apiKeys.insert(apiKey({ id: 'key_4', createdAt: T0 + 3, tenantId: 'tnt_b' }));
        const ids = (keys: ApiKeyRecord[]): string[] => keys.map((key) => key.id);
        expect(ids(await storage.apiKeys.listForTenant('tnt_a'))).toEqual([
          'key_2',
          'key_3',
          'key_1',
        ]);
        expect(ids(await storage.apiKeys.listForTenant('tnt_a', 'sandbox'))).toEqual([
          'key_3',
          'key_1',
        ]);
        expect(ids(await storage.apiKeys.listForTenant('tnt_a', 'production'))).toEqual(['key_2']);
        expect(ids(await storage.apiKeys.listForTenant('tnt_b'))).toEqual(['key_4']);
        expect(await storage.apiKeys.listForTenant('tnt_none')).toEqual([]);
      });

      it('rotates an active key: replacement inserted, old key gets its grace expiry', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        const replacement = apiKey({ id: 'key_new', createdAt: T0 + 10 });
        expect(
          await storage.apiKeys.rotate('key_old', replacement, T0 + 10 + MINUTE, T0 + 10),
        ).toBe(true);
        expect(await storage.apiKeys.findById('key_new')).toEqual(replacement);
        expect(await storage.apiKeys.findById('key_old')).toMatchObject({
          expiresAt: T0 + 10 + MINUTE,
          replacedBy: 'key_new',
          revokedAt: null,
        });
      });

      it('refuses to rotate a replaced, revoked, expired or unknown key, and writes nothing', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        expect(
          await storage.apiKeys.rotate('key_old', apiKey({ id: 'key_r1' }), T0 + MINUTE, T0),
        ).toBe(true);
        // Already replaced (even though still inside its grace period).
        expect(
          await storage.apiKeys.rotate('key_old', apiKey({ id: 'key_r2' }), T0 + MINUTE, T0 + 1),
        ).toBe(false);

        await storage.apiKeys.insert(apiKey({ id: 'key_revoked', revokedAt: T0 }));
        expect(
          await storage.apiKeys.rotate(
            'key_revoked',
            apiKey({ id: 'key_r3' }),
            T0 + MINUTE,
            T0 + 1,
          ),
        ).toBe(false);

        await storage.apiKeys.insert(apiKey({ id: 'key_expiring', expiresAt: T0 + 5 }));
        expect(
          await storage.apiKeys.rotate(
            'key_expiring',
            apiKey({ id: 'key_r4' }),
            T0 + MINUTE,
            T0 + 5,
          ),
        ).toBe(false);
        expect(
          await storage.apiKeys.rotate(
            'key_expiring',
            apiKey({ id: 'key_r5' }),
            T0 + MINUTE,
            T0 + 4,
          ),
        ).toBe(true);

        expect(
          await storage.apiKeys.rotate('key_missing', apiKey({ id: 'key_r6' }), T0 + MINUTE, T0),
        ).toBe(false);

        for (const id of ['key_r2', 'key_r3', 'key_r4', 'key_r6'])
          expect(await storage.apiKeys.findById(id)).toBeNull();
        expect(await storage.apiKeys.findById('key_old')).toMatchObject({ replacedBy: 'key_r1' });
        expect(await storage.apiKeys.findById('key_revoked')).toMatchObject({
          replacedBy: null,
          expiresAt: null,
        });
      });

      it('refuses a replacement in another tenant or environment', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        const otherEnv = apiKey({ id: 'key_live', environment: 'production' });
        const otherTenant = apiKey({ id: 'key_b', tenantId: 'tnt_b' });
        expect(await storage.apiKeys.rotate('key_old', otherEnv, T0 + MINUTE, T0)).toBe(false);
        expect(await storage.apiKeys.rotate('key_old', otherTenant, T0 + MINUTE, T0)).toBe(false);
        expect(await storage.apiKeys.findById('key_live')).toBeNull();
        expect(await storage.apiKeys.findById('key_b')).toBeNull();
        expect(await storage.apiKeys.findById('key_old')).toMatchObject({
          replacedBy: null,
          expiresAt: null,
        });
      });

      it('concurrent rotations of one key: exactly one succeeds', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            storage.apiKeys.rotate('key_old', apiKey({ id: `key_r${i}` }), T0 + MINUTE, T0),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const keys = await storage.apiKeys.listForTenant('tnt_a');
        expect(keys).toHaveLength(2);
        const winner = `key_r${results.indexOf(true)}`;
        expect(keys.find((key) => key.id === 'key_old')?.replacedBy).toBe(winner);
      });

      it('revokes once; unknown or revoked keys return false', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_1' }));
        expect(await storage.apiKeys.revoke('key_1', T0 + 5)).toBe(true);
        expect(await storage.apiKeys.revoke('key_1', T0 + 6)).toBe(false);
        expect(await storage.apiKeys.revoke('key_missing', T0)).toBe(false);
        expect(await storage.apiKeys.findById('key_1')).toMatchObject({ revokedAt: T0 + 5 });
      });

      it('a rotated key can still be revoked during its grace period', async () => {
        const { storage } = await setup();
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        await storage.apiKeys.rotate('key_old', apiKey({ id: 'key_new' }), T0 + MINUTE, T0);
        expect(await storage.apiKeys.revoke('key_old', T0 + 1)).toBe(true);
        expect(await storage.apiKeys.findById('key_old')).toMatchObject({
          revokedAt: T0 + 1,
          replacedBy: 'key_new',
        });
      });
    });

    describe('challenges', () => {
      it('round-trips a record, payload included', async () => {
        const { storage } = await setup();
        const record = challenge({
          id: 'ch_1',
          payload: {
            amount: 1.5,
            note: 'café ✓ "quoted"',
            nested: { list: [1, null, true, 'x'] },
            empty: {},
          },
        });
        await storage.challenges.insert(record);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toEqual(record);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_missing')).toBeNull();
      });

      it('refuses a duplicate id', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1' }));
        await expect(
          storage.challenges.insert(challenge({ id: 'ch_1', ...inScope(SANDBOX_B) })),
        ).rejects.toThrow();
      });

      it('a scope never sees another tenant’s or environment’s challenges', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_a', ...inScope(SANDBOX_A) }));
        await storage.challenges.insert(challenge({ id: 'ch_live', ...inScope(LIVE_A) }));
        await storage.challenges.insert(challenge({ id: 'ch_b', ...inScope(SANDBOX_B) }));

        expect(await storage.challenges.find(SANDBOX_A, 'ch_live')).toBeNull();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_b')).toBeNull();
        expect(await storage.challenges.find(LIVE_A, 'ch_a')).toBeNull();
        expect(await storage.challenges.find(SANDBOX_B, 'ch_a')).toBeNull();

        const listed = async (scope: Scope): Promise<string[]> =>
          (await storage.challenges.list(scope, {}, 100)).map((c) => c.id);
        expect(await listed(SANDBOX_A)).toEqual(['ch_a']);
        expect(await listed(LIVE_A)).toEqual(['ch_live']);
        expect(await listed(SANDBOX_B)).toEqual(['ch_b']);
        expect(await listed({ tenantId: 'tnt_b', environment: 'production' })).toEqual([]);

        expect(await storage.challenges.decide(SANDBOX_A, 'ch_live', 'approved', T0)).toBeNull();
        expect(await storage.challenges.decide(SANDBOX_B, 'ch_a', 'rejected', T0)).toBeNull();
        expect(await storage.challenges.find(LIVE_A, 'ch_live')).toMatchObject({
          status: 'pending',
        });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_a')).toMatchObject({
          status: 'pending',
        });
      });

      it('lists newest first with every filter, combined with AND', async () => {
        const { storage } = await setup();
        const rows = [
          challenge({ id: 'ch_1', createdAt: T0 + 1, userId: 'u1', action: 'pay' }),
          challenge({ id: 'ch_2', createdAt: T0 + 2, userId: 'u2', action: 'pay' }),
          challenge({
            id: 'ch_3',
            createdAt: T0 + 3,
            userId: 'u1',
            action: 'login',
            status: 'approved',
            decidedAt: T0 + 4,
          }),
          challenge({
            id: 'ch_4',
            createdAt: T0 + 4,
            userId: 'u1',
            action: 'pay',
            status: 'rejected',
            decidedAt: T0 + 5,
          }),
          challenge({
            id: 'ch_5',
            createdAt: T0 + 5,
            userId: 'u2',
            action: 'login',
            status: 'expired',
            decidedAt: T0 + 6,
          }),
        ];
        for (const row of rows) await storage.challenges.insert(row);
        const ids = async (
          filter: Parameters<typeof storage.challenges.list>[1],
        ): Promise<string[]> =>
          (await storage.challenges.list(SANDBOX_A, filter, 100)).map((c) => c.id);

        expect(await ids({})).toEqual(['ch_5', 'ch_4', 'ch_3', 'ch_2', 'ch_1']);
        expect(await ids({ status: 'pending' })).toEqual(['ch_2', 'ch_1']);
        expect(await ids({ status: 'approved' })).toEqual(['ch_3']);
        expect(await ids({ userId: 'u1' })).toEqual(['ch_4', 'ch_3', 'ch_1']);
        expect(await ids({ action: 'login' })).toEqual(['ch_5', 'ch_3']);
        expect(await ids({ createdFrom: T0 + 2 })).toEqual(['ch_5', 'ch_4', 'ch_3', 'ch_2']);
        expect(await ids({ createdTo: T0 + 3 })).toEqual(['ch_2', 'ch_1']);
        expect(await ids({ createdFrom: T0 + 2, createdTo: T0 + 4 })).toEqual(['ch_3', 'ch_2']);
        expect(await ids({ userId: 'u1', action: 'pay' })).toEqual(['ch_4', 'ch_1']);
        expect(await ids({ userId: 'u1', action: 'pay', status: 'pending' })).toEqual(['ch_1']);
        expect(await ids({ userId: 'nobody' })).toEqual([]);
        // As of an instant: a pending challenge past its expiry is expired, not pending, before
        // any sweep has written that down; other statuses are as stored.
        const due = T0 + 5 * MINUTE;
        expect(await ids({ status: 'pending', asOf: due - 1 })).toEqual(['ch_2', 'ch_1']);
        expect(await ids({ status: 'expired', asOf: due - 1 })).toEqual(['ch_5']);
        expect(await ids({ status: 'pending', asOf: due })).toEqual([]);
        expect(await ids({ status: 'expired', asOf: due })).toEqual(['ch_5', 'ch_2', 'ch_1']);
        expect(await ids({ status: 'expired', asOf: due, userId: 'u1' })).toEqual(['ch_1']);
        expect(await ids({ status: 'approved', asOf: due })).toEqual(['ch_3']);
        expect(await storage.challenges.list(SANDBOX_A, {}, 2)).toHaveLength(2);
        expect(await storage.challenges.list(SANDBOX_A, {}, 0)).toEqual([]);
      });

      it('keyset pagination visits every row once, ties on createdAt included', async () => {
        const { storage } = await setup();
        const all: ChallengeRecord[] = [];
        for (let i = 0; i < 37; i++) {
          // Seven distinct instants: most rows share their createdAt with others.
          const row = challenge({
            id: `ch_${String((i * 17) % 37).padStart(2, '0')}`,
            createdAt: T0 + (i % 7) * 1000,
            userId: i % 3 === 0 ? 'u_even' : 'u_odd',
          });
          all.push(row);
          await storage.challenges.insert(row);
        }
        await storage.challenges.insert(challenge({ id: 'ch_zz', ...inScope(SANDBOX_B) }));
        const expected = [...all]
          .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
          .map((c) => c.id);

        for (const pageSize of [1, 4, 5, 36, 37, 100]) {
          const seen: string[] = [];
          let after: { createdAt: number; id: string } | undefined;
          for (let pages = 0; pages < 100; pages++) {
            const page = await storage.challenges.list(SANDBOX_A, {}, pageSize, after);
            seen.push(...page.map((c) => c.id));
            if (page.length < pageSize) break;
            const last = page.at(-1)!;
            after = { createdAt: last.createdAt, id: last.id };
          }
          expect(seen, `page size ${pageSize}`).toEqual(expected);
        }

        const filtered: string[] = [];
        let after: { createdAt: number; id: string } | undefined;
        for (;;) {
          const page = await storage.challenges.list(SANDBOX_A, { userId: 'u_even' }, 3, after);
          filtered.push(...page.map((c) => c.id));
          if (page.length < 3) break;
          after = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
        }
        expect(filtered).toEqual(
          expected.filter((id) => all.find((c) => c.id === id)!.userId === 'u_even'),
        );
      });

      it('decide: a pending challenge is decided once', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1' }));
        await storage.challenges.insert(challenge({ id: 'ch_2' }));
        const approved = await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 10);
        expect(approved).toEqual(challenge({ id: 'ch_1', status: 'approved', decidedAt: T0 + 10 }));
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toEqual(approved);
        expect(await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 11)).toBeNull();
        expect(await storage.challenges.decide(SANDBOX_A, 'ch_1', 'rejected', T0 + 11)).toBeNull();

        const rejected = await storage.challenges.decide(SANDBOX_A, 'ch_2', 'rejected', T0 + 12);
        expect(rejected).toMatchObject({ status: 'rejected', decidedAt: T0 + 12 });
        expect(await storage.challenges.decide(SANDBOX_A, 'ch_missing', 'approved', T0)).toBeNull();
      });

      it('decide: an expired challenge cannot be decided (expiresAt is exclusive)', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1', expiresAt: T0 + MINUTE }));
        expect(
          await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + MINUTE),
        ).toBeNull();
        expect(
          await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 2 * MINUTE),
        ).toBeNull();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toMatchObject({
          status: 'pending',
          decidedAt: null,
        });
        expect(
          await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + MINUTE - 1),
        ).toMatchObject({
          status: 'approved',
        });
      });

      it('decide: 20 concurrent attempts, exactly one winner', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_race' }));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            storage.challenges.decide(
              SANDBOX_A,
              'ch_race',
              i % 2 ? 'approved' : 'rejected',
              T0 + 1 + i,
            ),
          ),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_race')).toEqual(winners[0]);
      });

      it('decide: two storage instances on one database, exactly one winner', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await storage.challenges.insert(challenge({ id: 'ch_race' }));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? storage : other).challenges.decide(
              SANDBOX_A,
              'ch_race',
              'approved',
              T0 + 1 + i,
            ),
          ),
        );
        const winners = results.filter((r) => r !== null);
        expect(winners).toHaveLength(1);
        expect(await other.challenges.find(SANDBOX_A, 'ch_race')).toEqual(winners[0]);
      });

      it('cancel: only a pending, unexpired challenge, once; a decided one stays decided', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1', expiresAt: T0 + MINUTE }));
        await storage.challenges.insert(challenge({ id: 'ch_2' }));
        await storage.challenges.insert(challenge({ id: 'ch_late', expiresAt: T0 + MINUTE }));
        const canceled = await storage.challenges.cancel(SANDBOX_A, 'ch_1', T0 + 5);
        expect(canceled).toEqual(
          challenge({ id: 'ch_1', expiresAt: T0 + MINUTE, status: 'canceled', decidedAt: T0 + 5 }),
        );
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toEqual(canceled);
        expect(await storage.challenges.cancel(SANDBOX_A, 'ch_1', T0 + 6)).toBeNull();
        expect(await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 6)).toBeNull();

        await storage.challenges.decide(SANDBOX_A, 'ch_2', 'rejected', T0 + 7);
        expect(await storage.challenges.cancel(SANDBOX_A, 'ch_2', T0 + 8)).toBeNull();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_2')).toMatchObject({
          status: 'rejected',
          decidedAt: T0 + 7,
        });
        // expiresAt is exclusive, as for decide.
        expect(await storage.challenges.cancel(SANDBOX_A, 'ch_late', T0 + MINUTE)).toBeNull();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_late')).toMatchObject({
          status: 'pending',
        });
        expect(await storage.challenges.cancel(SANDBOX_A, 'ch_missing', T0)).toBeNull();
      });

      it('markShown: the first fetch of a pending challenge is kept, a decided one is not marked', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1' }));
        await storage.challenges.insert(challenge({ id: 'ch_2' }));
        await storage.challenges.decide(SANDBOX_A, 'ch_2', 'rejected', T0 + 1);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).not.toHaveProperty('shownAt');
        expect(await storage.challenges.markShown(SANDBOX_A, ['ch_1', 'ch_2'], T0 + 2)).toBe(1);
        expect(await storage.challenges.markShown(SANDBOX_A, ['ch_1'], T0 + 3)).toBe(0);
        expect(await storage.challenges.markShown(SANDBOX_A, [], T0 + 3)).toBe(0);
        expect((await storage.challenges.find(SANDBOX_A, 'ch_1'))?.shownAt).toBe(T0 + 2);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_2')).not.toHaveProperty('shownAt');
        // Listed challenges carry it too.
        expect((await storage.challenges.list(SANDBOX_A, {}, 10)).map((c) => c.shownAt)).toEqual(
          expect.arrayContaining([T0 + 2, undefined]),
        );
      });

      it('cancel racing verifies on two storage instances: exactly one winner', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        for (let round = 0; round < 5; round++) {
          const id = `ch_race_${round}`;
          await storage.challenges.insert(challenge({ id }));
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) => {
              const store = (i % 2 ? storage : other).challenges;
              return i % 3 === round % 3
                ? store.cancel(SANDBOX_A, id, T0 + 1 + i)
                : store.decide(SANDBOX_A, id, 'approved', T0 + 1 + i);
            }),
          );
          const winners = results.filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          expect(await other.challenges.find(SANDBOX_A, id)).toEqual(winners[0]);
        }
      });

      it('expireDue: expires only overdue pending rows, decidedAt = expiresAt, returns exactly those', async () => {
        const { storage } = await setup();
        const now = T0 + 10 * MINUTE;
        await storage.challenges.insert(challenge({ id: 'ch_due', expiresAt: now - 1 }));
        await storage.challenges.insert(
          challenge({ id: 'ch_due_now', expiresAt: now, ...inScope(SANDBOX_B) }),
        );
        await storage.challenges.insert(
          challenge({ id: 'ch_live_due', expiresAt: now - 5, ...inScope(LIVE_A) }),
        );
        await storage.challenges.insert(challenge({ id: 'ch_future', expiresAt: now + 1 }));
        await storage.challenges.insert(
          challenge({
            id: 'ch_approved',
            expiresAt: now - 1,
            status: 'approved',
            decidedAt: T0 + 1,
          }),
        );

        const expired = await storage.challenges.expireDue(now, 100);
        expect(expired.map((c) => c.id).sort()).toEqual(['ch_due', 'ch_due_now', 'ch_live_due']);
        for (const row of expired)
          expect(row).toMatchObject({ status: 'expired', decidedAt: row.expiresAt });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_due')).toMatchObject({
          status: 'expired',
          decidedAt: now - 1,
        });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_future')).toMatchObject({
          status: 'pending',
        });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_approved')).toMatchObject({
          status: 'approved',
          decidedAt: T0 + 1,
        });
        expect(await storage.challenges.expireDue(now, 100)).toEqual([]);
        expect(
          await storage.challenges.decide(SANDBOX_A, 'ch_due', 'approved', now - 10),
        ).toBeNull();
      });

      it('expireDue: honours the limit, oldest expiry first', async () => {
        const { storage } = await setup();
        for (let i = 0; i < 7; i++) {
          await storage.challenges.insert(
            challenge({ id: `ch_${i}`, expiresAt: T0 + MINUTE + (6 - i) }),
          );
        }
        expect(
          (await storage.challenges.expireDue(T0 + 2 * MINUTE, 3)).map((c) => c.id).sort(),
        ).toEqual(['ch_4', 'ch_5', 'ch_6']);
        expect(await storage.challenges.expireDue(T0 + 2 * MINUTE, 0)).toEqual([]);
        expect(await storage.challenges.expireDue(T0 + 2 * MINUTE, 3)).toHaveLength(3);
        expect(await storage.challenges.expireDue(T0 + 2 * MINUTE, 3)).toHaveLength(1);
        expect(await storage.challenges.list(SANDBOX_A, { status: 'pending' }, 10)).toEqual([]);
      });

      it("expireDue: without a limit takes the store's batch (100 on SQLite, 500 on PostgreSQL)", async () => {
        const { storage } = await setup();
        const batch = storage.challenges.expiryBatch;
        expect(batch).toBe(storage.kind === 'sqlite' ? 100 : 500);
        await storage.transaction(async (tx) => {
          for (let i = 0; i <= batch; i++) {
            await tx.challenges.insert(challenge({ id: `ch_b${i}`, expiresAt: T0 + MINUTE }));
          }
        });
        expect(await storage.challenges.expireDue(T0 + 2 * MINUTE)).toHaveLength(batch);
        expect(await storage.challenges.expireDue(T0 + 2 * MINUTE)).toHaveLength(1);
      });

      it('expireDue: concurrent sweeps from two instances return disjoint sets covering every due row', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        const now = T0 + 10 * MINUTE;
        const due = new Set<string>();
        for (let i = 0; i < 120; i++) {
          const id = `ch_${String(i).padStart(3, '0')}`;
          const isDue = i % 4 !== 0;
          if (isDue) due.add(id);
          await storage.challenges.insert(
            challenge({ id, expiresAt: isDue ? now - i : now + 1 + i }),
          );
        }
        const sweep = async (s: DatabaseStorage): Promise<string[]> => {
          const ids: string[] = [];
          for (;;) {
            const batch = await s.challenges.expireDue(now, 7);
            ids.push(...batch.map((c) => c.id));
            if (batch.length === 0) return ids;
          }
        };
        const sweeps = await Promise.all([
          sweep(storage),
          sweep(other),
          sweep(storage),
          sweep(other),
        ]);
        const union = sweeps.flat();
        expect(new Set(union).size).toBe(union.length);
        expect(new Set(union)).toEqual(due);
      });
    });

    describe('idempotency keys', () => {
      it('claim → in_progress for others → complete → completed replay', async () => {
        const { storage } = await setup();
        expect(await storage.idempotency.claim(claimInput())).toMatchObject({ outcome: 'claimed' });
        const running = await storage.idempotency.claim(
          claimInput({ fingerprint: 'fp-other', now: T0 + 5 }),
        );
        expect(running).toEqual({
          outcome: 'in_progress',
          record: {
            tenantId: 'tnt_a',
            environment: 'sandbox',
            key: 'idem-1',
            fingerprint: 'fp-1',
            state: 'in_progress',
            statusCode: null,
            responseBody: null,
            createdAt: T0,
            lockedUntil: T0 + MINUTE,
          },
        });
        await storage.idempotency.complete(SANDBOX_A, 'idem-1', T0 + MINUTE, 201, '{"id":"ch_1"}');
        const replay = await storage.idempotency.claim(claimInput({ now: T0 + 2 * MINUTE }));
        expect(replay).toEqual({
          outcome: 'completed',
          record: expect.objectContaining({
            state: 'completed',
            statusCode: 201,
            responseBody: '{"id":"ch_1"}',
            fingerprint: 'fp-1',
          }),
        });
      });

      it('challenges.insert stores the claimed key’s response in the same write: for the owning claim only, all or nothing', async () => {
        const { storage } = await setup();
        const token = T0 + MINUTE;
        const response = (key: string, owner = token) => ({
          key,
          token: owner,
          statusCode: 201,
          responseBody: `{"id":"${key}"}`,
        });
        const entry = (id: string) =>
          auditDraft(SANDBOX_A, { type: 'challenge.created', subject: id, data: {} }, T0);
        const replayOf = (key: string) =>
          storage.idempotency.claim(claimInput({ key, now: T0 + 2 * MINUTE }));

        // With its audit entry (on PostgreSQL the one-statement path), and without one.
        for (const [key, id, audited] of [
          ['idem-a', 'ch_ia', true],
          ['idem-b', 'ch_ib', false],
        ] as const) {
          await storage.idempotency.claim(claimInput({ key }));
          await storage.challenges.insert(
            challenge({ id }),
            audited ? entry(id) : undefined,
            response(key),
          );
          expect(await storage.challenges.find(SANDBOX_A, id)).toMatchObject({ id });
          expect(await replayOf(key)).toMatchObject({
            outcome: 'completed',
            record: { statusCode: 201, responseBody: `{"id":"${key}"}` },
          });
        }

        // A claim taken over (another token): the challenge is written, the key left alone.
        await storage.idempotency.claim(claimInput({ key: 'idem-c' }));
        await storage.challenges.insert(challenge({ id: 'ch_ic' }), entry('ch_ic'), {
          ...response('idem-c'),
          token: token + 1,
        });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_ic')).toMatchObject({ id: 'ch_ic' });
        expect(
          await storage.idempotency.claim(claimInput({ key: 'idem-c', now: T0 + 5 })),
        ).toMatchObject({ outcome: 'in_progress' });

        // The challenge's write fails (its id is taken): the response is not stored either.
        await storage.idempotency.claim(claimInput({ key: 'idem-d' }));
        await expect(
          storage.challenges.insert(challenge({ id: 'ch_ia' }), entry('ch_ia'), response('idem-d')),
        ).rejects.toThrow();
        expect(
          await storage.idempotency.claim(claimInput({ key: 'idem-d', now: T0 + 5 })),
        ).toMatchObject({ outcome: 'in_progress' });
      });

      it('keys are scoped by tenant and environment', async () => {
        const { storage } = await setup();
        expect(await storage.idempotency.claim(claimInput({ scope: SANDBOX_A }))).toMatchObject({
          outcome: 'claimed',
        });
        expect(await storage.idempotency.claim(claimInput({ scope: LIVE_A }))).toMatchObject({
          outcome: 'claimed',
        });
        expect(await storage.idempotency.claim(claimInput({ scope: SANDBOX_B }))).toMatchObject({
          outcome: 'claimed',
        });
        await storage.idempotency.complete(LIVE_A, 'idem-1', T0 + MINUTE, 200, '{}');
        expect(await storage.idempotency.claim(claimInput({ scope: SANDBOX_A }))).toMatchObject({
          outcome: 'in_progress',
        });
        expect(await storage.idempotency.claim(claimInput({ scope: LIVE_A }))).toMatchObject({
          outcome: 'completed',
          record: { tenantId: 'tnt_a', environment: 'production' },
        });
        await storage.idempotency.release(SANDBOX_B, 'idem-1', T0 + MINUTE);
        expect(await storage.idempotency.claim(claimInput({ scope: SANDBOX_B }))).toMatchObject({
          outcome: 'claimed',
        });
        expect(await storage.idempotency.claim(claimInput({ scope: SANDBOX_A }))).toMatchObject({
          outcome: 'in_progress',
        });
      });

      it('release drops an in-progress claim so a retry runs again, but never a completed one', async () => {
        const { storage } = await setup();
        await storage.idempotency.claim(claimInput());
        await storage.idempotency.release(SANDBOX_A, 'idem-1', T0 + MINUTE);
        expect(
          await storage.idempotency.claim(claimInput({ fingerprint: 'fp-2', now: T0 + 1 })),
        ).toMatchObject({ outcome: 'claimed' });
        await storage.idempotency.complete(SANDBOX_A, 'idem-1', T0 + 1 + MINUTE, 200, 'body');
        await storage.idempotency.release(SANDBOX_A, 'idem-1', T0 + 1 + MINUTE);
        expect(await storage.idempotency.claim(claimInput({ now: T0 + 2 }))).toMatchObject({
          outcome: 'completed',
          record: { fingerprint: 'fp-2', statusCode: 200, responseBody: 'body', createdAt: T0 + 1 },
        });
      });

      it('an abandoned claim is taken over once its lock has passed', async () => {
        const { storage } = await setup();
        await storage.idempotency.claim(claimInput({ lockMs: 1000 }));
        expect(await storage.idempotency.claim(claimInput({ now: T0 + 1000 }))).toMatchObject({
          outcome: 'in_progress',
        });
        expect(
          await storage.idempotency.claim(claimInput({ now: T0 + 1001, fingerprint: 'fp-2' })),
        ).toMatchObject({ outcome: 'claimed' });
        expect(await storage.idempotency.claim(claimInput({ now: T0 + 1002 }))).toMatchObject({
          outcome: 'in_progress',
          record: { fingerprint: 'fp-2', createdAt: T0 + 1001, lockedUntil: T0 + 1001 + MINUTE },
        });
      });

      it('an owner whose claim was taken over can neither complete nor release it', async () => {
        const { storage } = await setup();
        const first = await storage.idempotency.claim(claimInput({ lockMs: 1000 }));
        const second = await storage.idempotency.claim(claimInput({ now: T0 + 1001 }));
        if (first.outcome !== 'claimed' || second.outcome !== 'claimed')
          throw new Error('expected two claims');
        expect(second.token).not.toBe(first.token);
        await storage.idempotency.complete(SANDBOX_A, 'idem-1', first.token, 200, 'stale');
        await storage.idempotency.release(SANDBOX_A, 'idem-1', first.token);
        expect(await storage.idempotency.claim(claimInput({ now: T0 + 1002 }))).toMatchObject({
          outcome: 'in_progress',
          record: { createdAt: T0 + 1001 },
        });
        await storage.idempotency.complete(SANDBOX_A, 'idem-1', second.token, 201, 'fresh');
        expect(await storage.idempotency.claim(claimInput({ now: T0 + 1003 }))).toMatchObject({
          outcome: 'completed',
          record: { statusCode: 201, responseBody: 'fresh' },
        });
      });

      it('records older than the retention are treated as absent and replaced', async () => {
        const { storage } = await setup();
        const retentionMs = 10 * MINUTE;
        await storage.idempotency.claim(claimInput({ retentionMs }));
        await storage.idempotency.complete(SANDBOX_A, 'idem-1', T0 + MINUTE, 200, 'old');
        expect(
          await storage.idempotency.claim(claimInput({ retentionMs, now: T0 + retentionMs })),
        ).toMatchObject({
          outcome: 'completed',
        });
        expect(
          await storage.idempotency.claim(
            claimInput({ retentionMs, now: T0 + retentionMs + 1, fingerprint: 'fp-new' }),
          ),
        ).toMatchObject({ outcome: 'claimed' });
        expect(
          await storage.idempotency.claim(claimInput({ retentionMs, now: T0 + retentionMs + 2 })),
        ).toMatchObject({
          outcome: 'in_progress',
          record: {
            fingerprint: 'fp-new',
            statusCode: null,
            responseBody: null,
            createdAt: T0 + retentionMs + 1,
          },
        });
      });

      it('20 concurrent claims of a new key: exactly one claimed', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? storage : other).idempotency.claim(claimInput({ now: T0 + i })),
          ),
        );
        expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'in_progress')).toHaveLength(19);
      });

      it('20 concurrent takeovers of an abandoned claim: exactly one claimed', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await storage.idempotency.claim(claimInput({ lockMs: 1000 }));
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? storage : other).idempotency.claim(
              claimInput({ now: T0 + 5000 + i, fingerprint: `fp-${i}` }),
            ),
          ),
        );
        expect(results.filter((r) => r.outcome === 'claimed')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'in_progress')).toHaveLength(19);
      });

      it('purgeCreatedBefore deletes older records and counts them', async () => {
        const { storage } = await setup();
        await storage.idempotency.claim(claimInput({ key: 'k1', now: T0 }));
        await storage.idempotency.claim(claimInput({ key: 'k2', now: T0 + 10 }));
        await storage.idempotency.claim(claimInput({ key: 'k3', now: T0 + 20, scope: SANDBOX_B }));
        await storage.idempotency.complete(SANDBOX_A, 'k1', T0 + MINUTE, 200, '{}');
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 10)).toBe(1);
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 10)).toBe(0);
        expect(
          await storage.idempotency.claim(claimInput({ key: 'k1', now: T0 + 30 })),
        ).toMatchObject({ outcome: 'claimed' });
        expect(
          await storage.idempotency.claim(claimInput({ key: 'k2', now: T0 + 30 })),
        ).toMatchObject({
          outcome: 'in_progress',
        });
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 1000)).toBe(3);
      });

      it('purgeCreatedBefore works through more rows than one batch', async () => {
        const { storage } = await setup();
        for (let i = 0; i < 7; i++)
          await storage.idempotency.claim(claimInput({ key: `k${i}`, now: T0 + i }));
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 5, 2)).toBe(5);
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 5, 2)).toBe(0);
        for (const i of [5, 6])
          expect(
            await storage.idempotency.claim(claimInput({ key: `k${i}`, now: T0 + 30 })),
          ).toMatchObject({ outcome: 'in_progress' });
        expect(await storage.idempotency.purgeCreatedBefore(T0 + 1000, 2)).toBe(2);
      });
    });

    describe('devices', () => {
      function device(overrides: Partial<DeviceRecord> & { id: string }): DeviceRecord {
        return {
          tenantId: SANDBOX_A.tenantId,
          environment: SANDBOX_A.environment,
          userId: 'user_1',
          kind: 'keyra_one',
          name: 'KEYRA ONE',
          credentialId: `cred_${overrides.id}`,
          publicKey: 'pQECAyYgASFY',
          aaguid: '5eb6de83-4471-405e-8286-94940cc5914d',
          signCount: 0,
          transports: ['usb'],
          attestationFormat: 'packed',
          attestationTrusted: true,
          rootFingerprint: 'ff'.repeat(32),
          createdAt: T0,
          lastUsedAt: null,
          revokedAt: null,
          disabledAt: null,
          disabledReason: null,
          ...overrides,
        };
      }

      it('stores devices per scope, finds them by id and credential, lists per user', async () => {
        const { storage } = await setup();
        await storage.devices.insert(device({ id: 'dev_1' }));
        await storage.devices.insert(device({ id: 'dev_2', userId: 'user_2', createdAt: T0 + 1 }));
        await storage.devices.insert(device({ id: 'dev_3', environment: 'production' }));
        await storage.devices.insert(device({ id: 'dev_4', tenantId: 'tnt_b' }));
        expect(await storage.devices.find(SANDBOX_A, 'dev_1')).toEqual(device({ id: 'dev_1' }));
        expect(await storage.devices.find(SANDBOX_A, 'dev_3')).toBeNull();
        expect(await storage.devices.find(SANDBOX_A, 'dev_4')).toBeNull();
        expect((await storage.devices.findByCredentialId(SANDBOX_A, 'cred_dev_2'))?.id).toBe(
          'dev_2',
        );
        expect(await storage.devices.findByCredentialId(SANDBOX_B, 'cred_dev_2')).toBeNull();
        expect((await storage.devices.locate('dev_4'))?.tenantId).toBe('tnt_b');
        expect(await storage.devices.locate('dev_missing')).toBeNull();
        expect((await storage.devices.list(SANDBOX_A, {})).map((d) => d.id)).toEqual([
          'dev_2',
          'dev_1',
        ]);
        expect(
          (await storage.devices.list(SANDBOX_A, { userId: 'user_1' })).map((d) => d.id),
        ).toEqual(['dev_1']);
      });

      it('refuses a second pairing of the same credential in a scope', async () => {
        const { storage } = await setup();
        await storage.devices.insert(device({ id: 'dev_1' }));
        await expect(
          storage.devices.insert(device({ id: 'dev_2', credentialId: 'cred_dev_1' })),
        ).rejects.toThrow();
        await storage.devices.insert(
          device({ id: 'dev_3', credentialId: 'cred_dev_1', environment: 'production' }),
        );
      });

      it('renames and revokes once; revoked devices are hidden unless asked and cannot be used', async () => {
        const { storage } = await setup();
        await storage.devices.insert(device({ id: 'dev_1' }));
        expect((await storage.devices.rename(SANDBOX_A, 'dev_1', 'Desk key'))?.name).toBe(
          'Desk key',
        );
        expect(await storage.devices.rename(SANDBOX_B, 'dev_1', 'x')).toBeNull();
        expect((await storage.devices.revoke(SANDBOX_A, 'dev_1', T0 + 5))?.revokedAt).toBe(T0 + 5);
        expect(await storage.devices.revoke(SANDBOX_A, 'dev_1', T0 + 6)).toBeNull();
        expect(await storage.devices.list(SANDBOX_A, {})).toEqual([]);
        expect(await storage.devices.list(SANDBOX_A, { includeRevoked: true })).toHaveLength(1);
        expect(await storage.devices.recordUse(SANDBOX_A, 'dev_1', 0, 1, T0 + 7)).toBe(false);
        expect(await storage.devices.rename(SANDBOX_A, 'dev_1', 'again')).toBeNull();
      });

      it('records a use only from the expected counter: of concurrent uses exactly one wins', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await storage.devices.insert(device({ id: 'dev_1', signCount: 4 }));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? storage : other).devices.recordUse(SANDBOX_A, 'dev_1', 4, 5, T0 + i),
          ),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await storage.devices.find(SANDBOX_A, 'dev_1')).toMatchObject({ signCount: 5 });
      });

      it('disables a device for good', async () => {
        const { storage } = await setup();
        await storage.devices.insert(device({ id: 'dev_1' }));
        await storage.devices.disable(SANDBOX_A, 'dev_1', 'counter_regression', T0 + 1);
        await storage.devices.disable(SANDBOX_A, 'dev_1', 'other', T0 + 2);
        expect(await storage.devices.find(SANDBOX_A, 'dev_1')).toMatchObject({
          disabledAt: T0 + 1,
          disabledReason: 'counter_regression',
        });
        expect(await storage.devices.recordUse(SANDBOX_A, 'dev_1', 0, 1, T0 + 3)).toBe(false);
      });
    });

    describe('webauthn ceremonies', () => {
      const ceremony = (overrides: Partial<CeremonyRecord> = {}): CeremonyRecord => ({
        challenge: 'Y2hhbGxlbmdl',
        tenantId: 'tnt_a',
        environment: 'sandbox',
        userId: 'user_1',
        kind: 'registration',
        createdAt: T0,
        expiresAt: T0 + MINUTE,
        usedAt: null,
        ...overrides,
      });

      it('consumes a ceremony once, only in its scope and kind, only before it expires', async () => {
        const { url, storage } = await setup();
        await storage.ceremonies.insert(ceremony());
        await storage.ceremonies.insert(ceremony({ challenge: 'b2xk', expiresAt: T0 + 10 }));
        expect(
          await storage.ceremonies.consume(SANDBOX_B, 'Y2hhbGxlbmdl', 'registration', T0),
        ).toBeNull();
        expect(
          await storage.ceremonies.consume(SANDBOX_A, 'Y2hhbGxlbmdl', 'authentication', T0),
        ).toBeNull();
        expect(
          await storage.ceremonies.consume(SANDBOX_A, 'b2xk', 'registration', T0 + 10),
        ).toBeNull();
        const other = await open(url);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? storage : other).ceremonies.consume(
              SANDBOX_A,
              'Y2hhbGxlbmdl',
              'registration',
              T0 + 1,
            ),
          ),
        );
        expect(results.filter((r) => r !== null)).toEqual([ceremony({ usedAt: T0 + 1 })]);
        expect(await storage.ceremonies.purgeExpiredBefore(T0 + MINUTE + 1)).toBe(2);
      });
    });

    describe('events, signing keys and server state', () => {
      it('stores events per scope, newest first', async () => {
        const { storage } = await setup();
        await storage.events.insert({
          id: 'evt_1',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          type: 'device.paired',
          data: { deviceId: 'dev_1' },
          createdAt: T0,
        });
        await storage.events.insert({
          id: 'evt_2',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          type: 'challenge.approved',
          data: { challengeId: 'chl_1' },
          createdAt: T0 + 1,
        });
        await storage.events.insert({
          id: 'evt_3',
          tenantId: 'tnt_b',
          environment: 'sandbox',
          type: 'device.paired',
          data: {},
          createdAt: T0 + 2,
        });
        const events = await storage.events.list(SANDBOX_A, 10);
        expect(events.map((e) => e.id)).toEqual(['evt_2', 'evt_1']);
        expect(events[1]).toEqual({
          id: 'evt_1',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          type: 'device.paired',
          data: { deviceId: 'dev_1' },
          createdAt: T0,
        });
        // One type, and keyset pages after a position (ties on createdAt broken by id).
        expect(
          (await storage.events.list(SANDBOX_A, 10, { type: 'device.paired' })).map((e) => e.id),
        ).toEqual(['evt_1']);
        await storage.events.insert({
          id: 'evt_0',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          type: 'device.paired',
          data: {},
          createdAt: T0,
        });
        expect(
          (await storage.events.list(SANDBOX_A, 10, {}, { createdAt: T0 + 1, id: 'evt_2' })).map(
            (e) => e.id,
          ),
        ).toEqual(['evt_1', 'evt_0']);
        expect(
          (await storage.events.list(SANDBOX_A, 10, {}, { createdAt: T0, id: 'evt_1' })).map(
            (e) => e.id,
          ),
        ).toEqual(['evt_0']);
        // A creation range: since included, until excluded.
        const inRange = async (filter: { since?: number; until?: number; type?: string }) =>
          (await storage.events.list(SANDBOX_A, 10, filter)).map((e) => e.id);
        expect(await inRange({ since: T0 + 1 })).toEqual(['evt_2']);
        expect(await inRange({ until: T0 + 1 })).toEqual(['evt_1', 'evt_0']);
        expect(await inRange({ since: T0, until: T0 + 3, type: 'device.paired' })).toEqual([
          'evt_1',
          'evt_0',
        ]);
        expect(await inRange({ since: T0 + 2 })).toEqual([]);
      });

      it('keeps signing keys, retired ones included', async () => {
        const { storage } = await setup();
        const key = (kid: string, createdAt: number): SigningKeyRecord => ({
          kid,
          algorithm: 'ES256',
          publicJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid },
          sealedPrivateJwk: `v1.sealed.${kid}`,
          createdAt,
          retiredAt: null,
        });
        await storage.signingKeys.insert(key('k1', T0));
        await storage.signingKeys.insert(key('k2', T0 + 1));
        expect(await storage.signingKeys.retireAllExcept('k2', T0 + 2)).toBe(1);
        expect(await storage.signingKeys.listAll()).toEqual([
          key('k2', T0 + 1),
          { ...key('k1', T0), retiredAt: T0 + 2 },
        ]);
      });

      it('writes a server state value once, whoever races', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        expect(await storage.serverState.get('ca')).toBeNull();
        const values = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? storage : other).serverState.putIfAbsent('ca', `v${i}`),
          ),
        );
        expect(new Set(values).size).toBe(1);
        expect(await storage.serverState.get('ca')).toBe(values[0]);
      });

      it('decide records the signer and proof with the status', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_1' }));
        const decided = await storage.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 1, {
          deviceId: 'dev_1',
          method: 'device',
          proof: 'eyJ.x.y',
          stampId: null,
        });
        expect(decided).toMatchObject({
          status: 'approved',
          decidedAt: T0 + 1,
          deviceId: 'dev_1',
          method: 'device',
          proof: 'eyJ.x.y',
        });
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toEqual(decided);
      });
    });

    describe('voice', () => voiceContract(setup));

    describe('stamps and usage', () => stampsUsageContract(setup, open));

    describe('CIBA clients and requests', () =>
      cibaContract(setup, open, () => target.emptyDatabase()));

    describe('quorum challenges', () => quorumContract(setup, open));
    describe('console users and sessions', () => consoleContract(setup));
    describe('policies and approver groups', () => policyContract(setup));

    describe('foreign scopes', () => foreignScopeContract(setup));

    describe('audit chain', () => auditContract(setup, open));

    describe('delivery wake-up signals', () =>
      deliverySignalsContract(setup, (url) => open(url), target.kind));

    describe('webhook endpoints and deliveries', () => {
      function endpoint(
        overrides: Partial<WebhookEndpointRecord> & { id: string },
      ): WebhookEndpointRecord {
        return {
          tenantId: 'tnt_a',
          environment: 'sandbox',
          url: 'https://example.com/hook',
          description: null,
          events: ['challenge.approved'],
          enabled: true,
          sealedSecret: 'v1.a.b',
          sealedPreviousSecret: null,
          previousSecretExpiresAt: null,
          createdAt: T0,
          updatedAt: T0,
          failingSince: null,
          disabledReason: null,
          deletedAt: null,
          ...overrides,
        };
      }
      function delivery(
        overrides: Partial<WebhookDeliveryRecord> & { id: string },
      ): WebhookDeliveryRecord {
        return {
          tenantId: 'tnt_a',
          environment: 'sandbox',
          eventId: 'evt_1',
          endpointId: 'we_1',
          status: 'pending',
          attempts: 0,
          nextAttemptAt: T0,
          leaseUntil: null,
          lastStatusCode: null,
          createdAt: T0,
          deliveredAt: null,
          ...overrides,
        };
      }
      async function withEvent(storage: DatabaseStorage): Promise<void> {
        await storage.events.insert({
          id: 'evt_1',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          type: 'challenge.approved',
          data: {},
          createdAt: T0,
        });
      }

      it('scopes endpoints, filters subscriptions, updates, rotates and soft-deletes', async () => {
        const { storage } = await setup();
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_1' }));
        await storage.webhookEndpoints.insert(
          endpoint({ id: 'we_2', events: ['*'], createdAt: T0 + 1 }),
        );
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_3', enabled: false }));
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_4', tenantId: 'tnt_b' }));
        expect((await storage.webhookEndpoints.list(SANDBOX_A)).map((e) => e.id)).toEqual([
          'we_2',
          'we_3',
          'we_1',
        ]);
        expect(
          (await storage.webhookEndpoints.listSubscribed(SANDBOX_A, 'challenge.approved'))
            .map((e) => e.id)
            .sort(),
        ).toEqual(['we_1', 'we_2']);
        expect(
          (await storage.webhookEndpoints.listSubscribed(SANDBOX_A, 'device.paired')).map(
            (e) => e.id,
          ),
        ).toEqual(['we_2']);
        expect(await storage.webhookEndpoints.find(SANDBOX_B, 'we_1')).toBeNull();
        const updated = await storage.webhookEndpoints.update(
          SANDBOX_A,
          'we_3',
          { enabled: true, events: ['device.paired'] },
          T0 + 5,
        );
        expect(updated).toMatchObject({
          enabled: true,
          events: ['device.paired'],
          updatedAt: T0 + 5,
        });
        const rotated = await storage.webhookEndpoints.rotateSecret(
          SANDBOX_A,
          'we_1',
          'v1.new',
          'v1.a.b',
          T0 + 100,
          T0 + 6,
        );
        expect(rotated).toMatchObject({
          sealedSecret: 'v1.new',
          sealedPreviousSecret: 'v1.a.b',
          previousSecretExpiresAt: T0 + 100,
        });
        expect(await storage.webhookEndpoints.delete(SANDBOX_A, 'we_1', T0 + 7)).toBe(true);
        expect(await storage.webhookEndpoints.delete(SANDBOX_A, 'we_1', T0 + 8)).toBe(false);
        expect(await storage.webhookEndpoints.find(SANDBOX_A, 'we_1')).toBeNull();
        expect(
          (await storage.webhookEndpoints.listSubscribed(SANDBOX_A, 'challenge.approved')).map(
            (e) => e.id,
          ),
        ).toEqual(['we_2']);
      });

      it('tracks failure runs and disables once', async () => {
        const { storage } = await setup();
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_1' }));
        expect(
          (await storage.webhookEndpoints.recordOutcome('we_1', false, T0 + 1))?.failingSince,
        ).toBe(T0 + 1);
        expect(
          (await storage.webhookEndpoints.recordOutcome('we_1', false, T0 + 2))?.failingSince,
        ).toBe(T0 + 1);
        expect(
          (await storage.webhookEndpoints.recordOutcome('we_1', true, T0 + 3))?.failingSince,
        ).toBeNull();
        expect(await storage.webhookEndpoints.disable('we_1', 'failing', T0 + 4)).toBe(true);
        expect(await storage.webhookEndpoints.disable('we_1', 'failing', T0 + 5)).toBe(false);
        expect(await storage.webhookEndpoints.find(SANDBOX_A, 'we_1')).toMatchObject({
          enabled: false,
          disabledReason: 'failing',
        });
      });

      it('leases each due delivery to one of many concurrent claimers, and again after the lease', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await withEvent(storage);
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_1' }));
        await storage.webhookDeliveries.insertMany(
          Array.from({ length: 30 }, (_, i) =>
            delivery({ id: `whd_${i}`, nextAttemptAt: i < 25 ? T0 : T0 + MINUTE }),
          ),
        );
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 ? storage : other).webhookDeliveries.claimDue(T0, 10, 1000),
          ),
        );
        const ids = claims.flat().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(25);
        expect(await storage.webhookDeliveries.claimDue(T0 + 999, 100, 1000)).toEqual([]);
        // A crashed worker's lease runs out: someone else gets the delivery.
        expect(await storage.webhookDeliveries.claimDue(T0 + 1001, 100, 1000)).toHaveLength(25);
      });

      it('completes deliveries, schedules retries and logs attempts per endpoint', async () => {
        const { storage } = await setup();
        await withEvent(storage);
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_1' }));
        await storage.webhookDeliveries.insertMany([
          delivery({ id: 'whd_1' }),
          delivery({ id: 'whd_2' }),
        ]);
        await storage.webhookDeliveries.claimDue(T0, 10, 1000);
        await storage.webhookDeliveries.complete('whd_1', {
          status: 'pending',
          nextAttemptAt: T0 + 5000,
          statusCode: 500,
          now: T0 + 10,
        });
        await storage.webhookDeliveries.complete('whd_2', {
          status: 'delivered',
          nextAttemptAt: null,
          statusCode: 204,
          now: T0 + 10,
        });
        expect(await storage.webhookDeliveries.claimDue(T0 + 4999, 10, 1000)).toEqual([]);
        const [retry] = await storage.webhookDeliveries.claimDue(T0 + 5000, 10, 1000);
        expect(retry).toMatchObject({ id: 'whd_1', attempts: 1, lastStatusCode: 500 });
        expect(await storage.webhookDeliveries.countByStatus(SANDBOX_A)).toEqual({
          pending: 1,
          delivered: 1,
          failed: 0,
        });
        expect(await storage.webhookDeliveries.countPending()).toBe(1);
        await storage.webhookDeliveries.recordAttempt({
          id: 'wha_1',
          deliveryId: 'whd_1',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          endpointId: 'we_1',
          eventId: 'evt_1',
          attempt: 1,
          startedAt: T0,
          statusCode: 500,
          latencyMs: 12,
          responseExcerpt: 'oops',
          error: null,
        });
        await storage.webhookDeliveries.recordAttempt({
          id: 'wha_2',
          deliveryId: 'whd_1',
          tenantId: 'tnt_a',
          environment: 'sandbox',
          endpointId: 'we_1',
          eventId: 'evt_1',
          attempt: 2,
          startedAt: T0 + 1,
          statusCode: null,
          latencyMs: 10_000,
          responseExcerpt: null,
          error: 'timeout',
        });
        expect(
          (await storage.webhookDeliveries.listAttempts(SANDBOX_A, 'we_1', 10)).map(
            (a) => a.attempt,
          ),
        ).toEqual([2, 1]);
        expect(await storage.webhookDeliveries.listAttempts(SANDBOX_B, 'we_1', 10)).toEqual([]);
        // The same attempts by event, for the event's detail.
        expect(
          (await storage.webhookDeliveries.listEventAttempts(SANDBOX_A, 'evt_1', 10)).map((a) => [
            a.attempt,
            a.endpointId,
          ]),
        ).toEqual([
          [2, 'we_1'],
          [1, 'we_1'],
        ]);
        expect(await storage.webhookDeliveries.listEventAttempts(SANDBOX_A, 'evt_9', 10)).toEqual(
          [],
        );
        expect(await storage.webhookDeliveries.listEventAttempts(SANDBOX_B, 'evt_1', 10)).toEqual(
          [],
        );
      });

      it('claims deliveries with their event and live endpoint in the same scope, leasing each once', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await withEvent(storage);
        await storage.webhookEndpoints.insert(
          endpoint({ id: 'we_1', description: 'main', failingSince: T0 - 5, events: ['*'] }),
        );
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_gone' }));
        await storage.webhookEndpoints.delete(SANDBOX_A, 'we_gone', T0);
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_b', tenantId: 'tnt_b' }));
        await storage.webhookDeliveries.insertMany([
          ...Array.from({ length: 20 }, (_, i) => delivery({ id: `whd_${i}` })),
          delivery({ id: 'whd_gone', endpointId: 'we_gone' }),
          delivery({ id: 'whd_foreign', endpointId: 'we_b' }),
          delivery({ id: 'whd_later', nextAttemptAt: T0 + MINUTE }),
        ]);
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            i % 3 === 2
              ? storage.webhookDeliveries
                  .claimDue(T0, 5, 1000)
                  .then((rows) =>
                    rows.map((delivery) => ({ delivery, event: null, endpoint: null })),
                  )
              : (i % 2 ? storage : other).webhookDeliveries.claimDueWithTargets(T0, 5, 1000),
          ),
        );
        const claimed = claims.flat();
        const ids = claimed.map((c) => c.delivery.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(22);
        expect(ids).not.toContain('whd_later');

        const event = await storage.events.find(SANDBOX_A, 'evt_1');
        const live = await storage.webhookEndpoints.find(SANDBOX_A, 'we_1');
        const withTargets = await storage.webhookDeliveries.claimDueWithTargets(
          T0 + 1001,
          100,
          1000,
        );
        expect(withTargets).toHaveLength(22);
        const byId = new Map(withTargets.map((c) => [c.delivery.id, c]));
        expect(byId.get('whd_3')).toEqual({
          delivery: { ...delivery({ id: 'whd_3' }), cibaHandleHash: null, leaseUntil: T0 + 2001 },
          event,
          endpoint: live,
        });
        expect(byId.get('whd_gone')).toMatchObject({ event, endpoint: null });
        expect(byId.get('whd_foreign')).toMatchObject({ event, endpoint: null });
        expect(await storage.webhookDeliveries.claimDueWithTargets(T0 + 2000, 100, 1000)).toEqual(
          [],
        );
        expect(await storage.webhookDeliveries.claimDueWithTargets(T0, 0, 1000)).toEqual([]);
      });

      it('records a group of outcomes as complete and recordAttempt would, all or none', async () => {
        const { storage } = await setup();
        await withEvent(storage);
        await storage.webhookEndpoints.insert(endpoint({ id: 'we_1' }));
        await storage.webhookDeliveries.insertMany([
          delivery({ id: 'whd_1' }),
          delivery({ id: 'whd_2' }),
          delivery({ id: 'whd_3' }),
        ]);
        await storage.webhookDeliveries.claimDue(T0, 10, 1000);
        const attempt = (deliveryId: string, id: string, statusCode: number | null) => ({
          id,
          deliveryId,
          tenantId: 'tnt_a',
          environment: 'sandbox' as const,
          endpointId: 'we_1',
          eventId: 'evt_1',
          attempt: 1,
          startedAt: T0 + 1,
          statusCode,
          latencyMs: 3,
          responseExcerpt: statusCode === null ? null : 'ok',
          error: statusCode === null ? 'timeout' : null,
        });
        await storage.webhookDeliveries.recordOutcomes([
          {
            attempt: attempt('whd_1', 'wha_1', 204),
            outcome: { status: 'delivered', nextAttemptAt: null, statusCode: 204, now: T0 + 7 },
          },
          {
            attempt: attempt('whd_2', 'wha_2', null),
            outcome: { status: 'pending', nextAttemptAt: T0 + 5000, statusCode: null, now: T0 + 7 },
          },
          {
            attempt: attempt('whd_3', 'wha_3', 410),
            outcome: { status: 'failed', nextAttemptAt: null, statusCode: 410, now: T0 + 7 },
          },
        ]);
        expect(await storage.webhookDeliveries.countByStatus(SANDBOX_A)).toEqual({
          pending: 1,
          delivered: 1,
          failed: 1,
        });
        expect(await storage.webhookDeliveries.claimDue(T0 + 4999, 10, 1000)).toEqual([]);
        const [retry] = await storage.webhookDeliveries.claimDue(T0 + 5000, 10, 1000);
        expect(retry).toMatchObject({
          id: 'whd_2',
          attempts: 1,
          lastStatusCode: null,
          nextAttemptAt: T0 + 5000,
          deliveredAt: null,
        });
        expect(
          (await storage.webhookDeliveries.listEventAttempts(SANDBOX_A, 'evt_1', 10))
            .map((a) => [a.id, a.statusCode, a.error])
            .sort(),
        ).toEqual([
          ['wha_1', 204, null],
          ['wha_2', null, 'timeout'],
          ['wha_3', 410, null],
        ]);

        // All or none: an attempt id already taken fails the group, and the other outcome in it
        // is not written either.
        await expect(
          storage.webhookDeliveries.recordOutcomes([
            {
              attempt: attempt('whd_2', 'wha_4', 200),
              outcome: { status: 'delivered', nextAttemptAt: null, statusCode: 200, now: T0 + 9 },
            },
            {
              attempt: attempt('whd_2', 'wha_1', 200),
              outcome: { status: 'delivered', nextAttemptAt: null, statusCode: 200, now: T0 + 9 },
            },
          ]),
        ).rejects.toThrow();
        expect(await storage.webhookDeliveries.countByStatus(SANDBOX_A)).toMatchObject({
          pending: 1,
        });
        expect(
          await storage.webhookDeliveries.listEventAttempts(SANDBOX_A, 'evt_1', 10),
        ).toHaveLength(3);
        await storage.webhookDeliveries.recordOutcomes([]);
      });
    });

    describe('transactions', () => {
      it('commits every write when fn resolves, and returns its value', async () => {
        const { storage } = await setup();
        const result = await storage.transaction(async (tx) => {
          expect(tx.kind).toBe(target.kind);
          await tx.challenges.insert(challenge({ id: 'ch_1' }));
          expect(await tx.challenges.find(SANDBOX_A, 'ch_1')).not.toBeNull();
          await tx.challenges.decide(SANDBOX_A, 'ch_1', 'approved', T0 + 1);
          await tx.apiKeys.insert(apiKey({ id: 'key_1' }));
          return 'done';
        });
        expect(result).toBe('done');
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toMatchObject({
          status: 'approved',
        });
        expect(await storage.apiKeys.findById('key_1')).not.toBeNull();
      });

      it('rolls back every write when fn throws', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_existing' }));
        const failure = new Error('boom');
        await expect(
          storage.transaction(async (tx) => {
            await tx.tenants.create({
              id: 'tnt_c',
              name: 'Tenant C',
              createdAt: T0,
              plan: 'pilot',
              freeCredits: 1000,
            });
            await tx.challenges.insert(challenge({ id: 'ch_new' }));
            await tx.challenges.decide(SANDBOX_A, 'ch_existing', 'approved', T0 + 1);
            await tx.apiKeys.insert(apiKey({ id: 'key_old' }));
            expect(
              await tx.apiKeys.rotate('key_old', apiKey({ id: 'key_new' }), T0 + MINUTE, T0),
            ).toBe(true);
            await tx.idempotency.claim(claimInput());
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(await storage.tenants.findById('tnt_c')).toBeNull();
        expect(await storage.tenants.count()).toBe(2);
        expect(await storage.challenges.find(SANDBOX_A, 'ch_new')).toBeNull();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_existing')).toMatchObject({
          status: 'pending',
        });
        expect(await storage.apiKeys.findById('key_old')).toBeNull();
        expect(await storage.apiKeys.findById('key_new')).toBeNull();
        expect(await storage.idempotency.claim(claimInput())).toMatchObject({ outcome: 'claimed' });
      });

      it('a failed statement inside the transaction rolls back the earlier ones', async () => {
        const { storage } = await setup();
        await expect(
          storage.transaction(async (tx) => {
            await tx.challenges.insert(challenge({ id: 'ch_1' }));
            await tx.challenges.insert(challenge({ id: 'ch_1' }));
          }),
        ).rejects.toThrow();
        expect(await storage.challenges.find(SANDBOX_A, 'ch_1')).toBeNull();
      });

      it('expireDue and rotate work inside a transaction and roll back with it', async () => {
        const { storage } = await setup();
        await storage.challenges.insert(challenge({ id: 'ch_due', expiresAt: T0 }));
        await storage.apiKeys.insert(apiKey({ id: 'key_old' }));
        await expect(
          storage.transaction(async (tx) => {
            expect(await tx.challenges.expireDue(T0 + 1, 10)).toHaveLength(1);
            expect(
              await tx.apiKeys.rotate('key_old', apiKey({ id: 'key_new' }), T0 + MINUTE, T0),
            ).toBe(true);
            throw new Error('undo');
          }),
        ).rejects.toThrow('undo');
        expect(await storage.challenges.find(SANDBOX_A, 'ch_due')).toMatchObject({
          status: 'pending',
        });
        expect(await storage.apiKeys.findById('key_old')).toMatchObject({ replacedBy: null });
        expect(await storage.challenges.expireDue(T0 + 1, 10)).toHaveLength(1);
      });

      it('concurrent transactions on two instances both commit', async () => {
        const { url, storage } = await setup();
        const other = await open(url);
        await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            (i % 2 ? storage : other).transaction(async (tx) => {
              await tx.challenges.insert(challenge({ id: `ch_${i}` }));
              await tx.idempotency.claim(claimInput({ key: `k_${i}` }));
            }),
          ),
        );
        expect(await storage.challenges.list(SANDBOX_A, {}, 100)).toHaveLength(10);
      });
    });
  });
}
