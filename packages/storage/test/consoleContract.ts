import type { ConsoleSessionRecord, ConsoleUserRecord } from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage } from '../src/index.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;

function user(overrides: Partial<ConsoleUserRecord> & { id: string }): ConsoleUserRecord {
  return {
    tenantId: 'tnt_a',
    email: `${overrides.id}@example.com`,
    role: 'owner',
    createdAt: T0,
    disabledAt: null,
    ...overrides,
  };
}

function session(
  overrides: Partial<ConsoleSessionRecord> & { id: string; userId: string },
): ConsoleSessionRecord {
  return {
    tokenHash: `hash_${overrides.id}`,
    tenantId: 'tnt_a',
    createdAt: T0,
    lastSeenAt: T0,
    idleTimeoutMs: 30 * MINUTE,
    expiresAt: T0 + 720 * MINUTE,
    revokedAt: null,
    ...overrides,
  };
}

/** Console users, invites, passkeys, ceremonies, sessions and actions (migration 0011). */
export function consoleContract(setup: Setup): void {
  it('uses an invite once, and never after it expired', async () => {
    const { storage } = await setup();
    const invite = {
      id: 'cinv_1',
      tenantId: 'tnt_a',
      email: 'ada@example.com',
      role: 'developer' as const,
      tokenHash: 'ab'.repeat(32),
      createdAt: T0,
      expiresAt: T0 + MINUTE,
      usedAt: null,
      invitedBy: null,
    };
    await storage.console.insertInvite(invite);
    await storage.console.insertInvite({ ...invite, id: 'cinv_2', tokenHash: 'cd'.repeat(32) });
    expect(await storage.console.findInviteByHash('ab'.repeat(32))).toEqual(invite);
    expect(await storage.console.findInviteByHash('ef'.repeat(32))).toBeNull();
    const raced = await Promise.all([
      storage.console.useInvite('cinv_1', T0 + 1),
      storage.console.useInvite('cinv_1', T0 + 1),
    ]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect((await storage.console.findInviteByHash('ab'.repeat(32)))?.usedAt).toBe(T0 + 1);
    expect(await storage.console.useInvite('cinv_2', T0 + MINUTE)).toBe(false);
  });

  it('keeps emails unique per tenant, and users to their tenant', async () => {
    const { storage } = await setup();
    await storage.console.insertUser(user({ id: 'cu_a', email: 'ada@example.com' }));
    await storage.console.insertUser(
      user({ id: 'cu_b', tenantId: 'tnt_b', email: 'ada@example.com' }),
    );
    await expect(
      storage.console.insertUser(user({ id: 'cu_c', email: 'ada@example.com' })),
    ).rejects.toThrow();
    expect(await storage.console.findUser('tnt_b', 'cu_a')).toBeNull();
    expect((await storage.console.findUser('tnt_a', 'cu_a'))?.email).toBe('ada@example.com');
    expect((await storage.console.findUserByEmail('tnt_b', 'ada@example.com'))?.id).toBe('cu_b');
    expect((await storage.console.listUsers('tnt_a')).map((u) => u.id)).toEqual(['cu_a']);
    expect(await storage.console.setRole('tnt_b', 'cu_a', 'viewer')).toBeNull();
    expect(await storage.console.disableUser('tnt_b', 'cu_a', T0)).toBeNull();
  });

  it('never demotes or disables the last active owner', async () => {
    const { storage } = await setup();
    await storage.console.insertUser(user({ id: 'cu_1' }));
    await storage.console.insertUser(user({ id: 'cu_2', role: 'viewer' }));
    expect(await storage.console.setRole('tnt_a', 'cu_1', 'admin')).toBeNull();
    expect(await storage.console.disableUser('tnt_a', 'cu_1', T0)).toBeNull();
    expect((await storage.console.setRole('tnt_a', 'cu_2', 'owner'))?.role).toBe('owner');
    expect((await storage.console.setRole('tnt_a', 'cu_1', 'admin'))?.role).toBe('admin');
    // cu_2 is now the only owner.
    expect(await storage.console.disableUser('tnt_a', 'cu_2', T0)).toBeNull();
    expect((await storage.console.disableUser('tnt_a', 'cu_1', T0 + 5))?.disabledAt).toBe(T0 + 5);
    // A disabled user is not active: no second disable, no role change.
    expect(await storage.console.disableUser('tnt_a', 'cu_1', T0 + 6)).toBeNull();
    expect(await storage.console.setRole('tnt_a', 'cu_1', 'owner')).toBeNull();
  });

  it('records a passkey use only from the counter it read', async () => {
    const { storage } = await setup();
    await storage.console.insertUser(user({ id: 'cu_1' }));
    const passkey = {
      credentialId: 'cred_1',
      userId: 'cu_1',
      tenantId: 'tnt_a',
      publicKey: 'pQECAyYgASFY',
      counter: 3,
      transports: ['internal'],
      createdAt: T0,
      lastUsedAt: null,
    };
    await storage.console.insertPasskey(passkey);
    expect(await storage.console.findPasskey('cred_1')).toEqual(passkey);
    const raced = await Promise.all([
      storage.console.recordPasskeyUse('cred_1', 3, 4, T0 + 1),
      storage.console.recordPasskeyUse('cred_1', 3, 5, T0 + 1),
    ]);
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect((await storage.console.findPasskey('cred_1'))?.lastUsedAt).toBe(T0 + 1);
    expect(await storage.console.findPasskey('cred_2')).toBeNull();
  });

  it('consumes a ceremony once, of its kind, before it expires', async () => {
    const { storage } = await setup();
    const base = { inviteId: null, createdAt: T0, expiresAt: T0 + MINUTE, usedAt: null };
    await storage.console.insertCeremony({ ...base, challenge: 'c1', kind: 'sign_in' });
    await storage.console.insertCeremony({ ...base, challenge: 'c2', kind: 'sign_in' });
    expect(await storage.console.consumeCeremony('c1', 'enrolment', T0)).toBeNull();
    const raced = await Promise.all([
      storage.console.consumeCeremony('c1', 'sign_in', T0),
      storage.console.consumeCeremony('c1', 'sign_in', T0),
    ]);
    expect(raced.filter((c) => c !== null)).toHaveLength(1);
    expect(await storage.console.consumeCeremony('c2', 'sign_in', T0 + MINUTE)).toBeNull();
    await storage.console.insertCeremony({
      ...base,
      challenge: 'c3',
      kind: 'sign_in',
      expiresAt: T0 + 2 * MINUTE,
    });
    expect(await storage.console.purgeCeremoniesBefore(T0 + MINUTE + 1)).toBe(2);
    expect(await storage.console.consumeCeremony('c3', 'sign_in', T0)).not.toBeNull();
  });

  it('slides, lists and revokes sessions per user', async () => {
    const { storage } = await setup();
    await storage.console.insertUser(user({ id: 'cu_1' }));
    await storage.console.insertUser(user({ id: 'cu_2' }));
    await storage.console.insertSession(session({ id: 'cs_1', userId: 'cu_1' }));
    await storage.console.insertSession(session({ id: 'cs_2', userId: 'cu_1', createdAt: T0 + 1 }));
    await storage.console.insertSession(session({ id: 'cs_3', userId: 'cu_2' }));
    await storage.console.insertSession(
      session({ id: 'cs_4', userId: 'cu_1', expiresAt: T0 + MINUTE }),
    );
    await storage.console.touchSession('hash_cs_1', T0 + 10);
    await storage.console.touchSession('hash_cs_1', T0 + 5);
    expect((await storage.console.findSession('hash_cs_1'))?.lastSeenAt).toBe(T0 + 10);
    expect(
      (await storage.console.listSessions('tnt_a', 'cu_1', T0 + MINUTE)).map((s) => s.id),
    ).toEqual(['cs_2', 'cs_1']);
    expect(await storage.console.listSessions('tnt_b', 'cu_1', T0)).toEqual([]);
    expect(await storage.console.revokeSession('hash_cs_2', T0 + 20)).toBe(true);
    expect(await storage.console.revokeSession('hash_cs_2', T0 + 21)).toBe(false);
    expect(await storage.console.revokeUserSessions('tnt_b', 'cu_1', T0 + 30)).toBe(0);
    expect(await storage.console.revokeUserSessions('tnt_a', 'cu_1', T0 + 30)).toBe(2);
    expect((await storage.console.findSession('hash_cs_1'))?.revokedAt).toBe(T0 + 30);
    expect((await storage.console.findSession('hash_cs_3'))?.revokedAt).toBeNull();
  });

  it("lists a tenant's actions newest first", async () => {
    const { storage } = await setup();
    await storage.console.insertUser(user({ id: 'cu_1' }));
    const action = {
      tenantId: 'tnt_a',
      userId: 'cu_1',
      environment: 'sandbox' as const,
      method: 'POST',
      route: '/v1/challenges',
      targetId: null,
      statusCode: 201,
    };
    await storage.console.recordAction({ ...action, id: 'cact_1', at: T0 });
    await storage.console.recordAction({
      ...action,
      id: 'cact_2',
      at: T0 + 1,
      environment: null,
      route: '/console/api/members/:id',
      targetId: 'cu_1',
    });
    const listed = await storage.console.listActions('tnt_a', 10);
    expect(listed.map((a) => a.id)).toEqual(['cact_2', 'cact_1']);
    expect(listed[0]).toMatchObject({ environment: null, targetId: 'cu_1', statusCode: 201 });
    expect(await storage.console.listActions('tnt_b', 10)).toEqual([]);
  });
}
