import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHALLENGE_LIMITS,
  challengeDigest,
  createChallenge,
  encodeCursor,
  expireChallenges,
  jsonDepth,
  listChallenges,
  type ChallengeRecord,
  type CreateChallengeInput,
  type Scope,
  type Storage,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let scope: Scope;
let otherTenant: Scope;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  otherTenant = await tenantScope(db.storage, 'globex', clock.now());
});
afterEach(async () => db.close());

function create(
  fields: Partial<CreateChallengeInput> = {},
  at: Scope = scope,
): Promise<ChallengeRecord> {
  return createChallenge(
    at,
    { action: 'transfer.approve', userId: 'usr_alice', audience: 'acme', ...fields },
    { storage: storage, now: clock.now() },
  );
}

/** A payload whose canonical JSON `{"s":"…"}` is exactly `bytes` long, in `char`s of one size. */
function payloadOfBytes(bytes: number, char = 'x'): Record<string, unknown> {
  const width = Buffer.byteLength(char, 'utf8');
  const room = bytes - Buffer.byteLength('{"s":""}', 'utf8');
  return { s: char.repeat(Math.floor(room / width)) + 'x'.repeat(room % width) };
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

describe('createChallenge', () => {
  it('stores a pending challenge whose digest binds id, action, user, payload and expiry', async () => {
    clock.advance(1_234); // expiry is counted from the whole second
    const challenge = await create({ payload: { amount: 12500, currency: 'USD' } });
    expect(challenge).toMatchObject({
      id: expect.stringMatching(/^chl_[0-9A-Za-z]{24}$/),
      tenantId: scope.tenantId,
      environment: 'sandbox',
      status: 'pending',
      createdAt: clock.now(),
      expiresAt: Date.UTC(2027, 0, 15, 9, 2, 1),
      decidedAt: null,
      deviceId: null,
      proof: null,
      stampRequested: false,
    });
    expect(challenge.digest).toBe(
      challengeDigest({
        id: challenge.id,
        action: 'transfer.approve',
        userId: 'usr_alice',
        payload: { amount: 12500, currency: 'USD' },
        expiresAt: challenge.expiresAt,
      }),
    );
    expect(await storage.challenges.find(scope, challenge.id)).toEqual(challenge);
    expect(await storage.challenges.find(otherTenant, challenge.id)).toBeNull();
  });

  it('honours expiresIn and stamp, and defaults the payload to {}', async () => {
    const challenge = await create({ expiresIn: CHALLENGE_LIMITS.expiresInMax, stamp: true });
    expect(challenge.expiresAt - clock.now()).toBe(600_000);
    expect(challenge).toMatchObject({ payload: {}, stampRequested: true });
  });

  it.each([
    ['payload nested to the depth limit', { payload: nested(16) }],
    ['payload of exactly 16 KiB canonical JSON', { payload: payloadOfBytes(16 * 1024) }],
    ['16 KiB counted in UTF-8 bytes', { payload: payloadOfBytes(16 * 1024, 'é') }],
  ])('accepts a %s', async (_name, fields) => {
    await expect(create(fields)).resolves.toMatchObject({ status: 'pending' });
  });

  it.each([
    ['nested one level too deep', { payload: nested(17) }, 'too_deep'],
    ['one byte over 16 KiB', { payload: payloadOfBytes(16 * 1024 + 1) }, 'too_large'],
    ['over 16 KiB in UTF-8 bytes', { payload: payloadOfBytes(16 * 1024 + 2, 'é') }, 'too_large'],
    ['with a lone surrogate', { payload: { note: 'a\ud800b' } }, 'invalid_unicode'],
  ])('refuses a payload %s and stores nothing', async (_name, fields, issue) => {
    const error = await expectKeyraError(create(fields), 'validation_failed');
    expect(error.details).toMatchObject([{ field: 'payload', issue }]);
    expect((await listChallenges(storage.challenges, scope, {}, 10)).data).toEqual([]);
  });

  it('measures JSON depth', () => {
    expect(jsonDepth('x')).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: {} })).toBe(2);
    expect(jsonDepth({ a: [1, [2, { b: null }]] })).toBe(4);
    expect(jsonDepth(nested(17))).toBe(17);
  });
});

describe('expireChallenges', () => {
  it('expires exactly the pending challenges whose expiry has come, once, with an event each', async () => {
    const soon = await create({ expiresIn: 10 });
    const later = await create({ expiresIn: 60 });
    const elsewhere = await create({ expiresIn: 10 }, otherTenant);

    clock.set(soon.expiresAt - 1);
    expect(await expireChallenges(storage, clock.now())).toBe(0);

    clock.set(soon.expiresAt);
    expect(await expireChallenges(storage, clock.now())).toBe(2);
    expect(await storage.challenges.find(otherTenant, elsewhere.id)).toMatchObject({
      status: 'expired',
    });
    expect(await storage.challenges.find(scope, soon.id)).toMatchObject({
      status: 'expired',
      decidedAt: soon.expiresAt,
    });
    expect(await storage.challenges.find(scope, later.id)).toMatchObject({ status: 'pending' });
    expect(await storage.events.list(scope, 10)).toMatchObject([
      {
        type: 'challenge.expired',
        createdAt: clock.now(),
        data: {
          challengeId: soon.id,
          action: 'transfer.approve',
          userId: 'usr_alice',
          expiredAt: '2027-01-15T09:00:10Z',
        },
      },
    ]);
    expect(await storage.events.list(otherTenant, 10)).toMatchObject([
      { type: 'challenge.expired', data: { challengeId: elsewhere.id } },
    ]);

    clock.advance(60_000);
    expect(await expireChallenges(storage, clock.now())).toBe(1);
    expect(await storage.challenges.find(scope, later.id)).toMatchObject({ status: 'expired' });
    expect(await expireChallenges(storage, clock.now())).toBe(0);
    expect(await storage.events.list(scope, 10, { type: 'challenge.expired' })).toHaveLength(2);
  });

  it('leaves decided challenges alone', async () => {
    const challenge = await create({ expiresIn: 10 });
    await storage.challenges.decide(scope, challenge.id, 'rejected', clock.now());
    clock.advance(60_000);
    expect(await expireChallenges(storage, clock.now())).toBe(0);
    expect(await storage.challenges.find(scope, challenge.id)).toMatchObject({
      status: 'rejected',
    });
  });

  it('sweeps in batches until none are left', async () => {
    for (let i = 0; i < 5; i++) await create({ expiresIn: 10 });
    clock.advance(10_000);
    expect(await expireChallenges(storage, clock.now(), { batchSize: 2 })).toBe(5);
    expect(await storage.events.list(scope, 10, { type: 'challenge.expired' })).toHaveLength(5);
  });

  it('hands each challenge to one of two concurrent sweeps', async () => {
    for (let i = 0; i < 6; i++) await create({ expiresIn: 10 });
    clock.advance(10_000);
    const [a, b] = await Promise.all([
      expireChallenges(storage, clock.now(), { batchSize: 2 }),
      expireChallenges(storage, clock.now(), { batchSize: 2 }),
    ]);
    expect(a + b).toBe(6);
    const events = await storage.events.list(scope, 10, { type: 'challenge.expired' });
    expect(new Set(events.map((e) => (e.data as { challengeId: string }).challengeId)).size).toBe(
      6,
    );
    expect(events).toHaveLength(6);
  });
});

describe('listChallenges', () => {
  async function seed(): Promise<ChallengeRecord[]> {
    const made: ChallengeRecord[] = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        await create({
          userId: i % 2 === 0 ? 'usr_alice' : 'usr_bob',
          action: i < 3 ? 'transfer.approve' : 'deploy.production',
        }),
      );
      clock.advance(1_000);
    }
    await create({}, otherTenant);
    return made;
  }

  it('pages newest first with an opaque cursor, in this scope only', async () => {
    const made = await seed();
    const newestFirst = [...made].reverse().map((c) => c.id);
    const first = await listChallenges(storage.challenges, scope, {}, 2);
    expect(first).toMatchObject({ hasMore: true, nextCursor: expect.any(String) });
    const second = await listChallenges(storage.challenges, scope, {}, 2, first.nextCursor!);
    const third = await listChallenges(storage.challenges, scope, {}, 2, second.nextCursor!);
    expect(third).toMatchObject({ hasMore: false, nextCursor: null });
    expect([...first.data, ...second.data, ...third.data].map((c) => c.id)).toEqual(newestFirst);
  });

  it('orders challenges created in the same millisecond by id, without skipping any', async () => {
    const made = await Promise.all([create(), create(), create()]);
    const expected = made
      .map((c) => c.id)
      .sort()
      .reverse();
    const first = await listChallenges(storage.challenges, scope, {}, 2);
    const rest = await listChallenges(storage.challenges, scope, {}, 2, first.nextCursor!);
    expect([...first.data, ...rest.data].map((c) => c.id)).toEqual(expected);
  });

  it('filters by user, action, status and creation window', async () => {
    const made = await seed();
    const ids = async (filter: Parameters<typeof listChallenges>[2]) =>
      (await listChallenges(storage.challenges, scope, filter, 10)).data.map((c) => c.id);
    expect(await ids({ userId: 'usr_bob' })).toEqual([made[3]!.id, made[1]!.id]);
    expect(await ids({ action: 'deploy.production' })).toEqual([made[4]!.id, made[3]!.id]);
    await storage.challenges.decide(scope, made[2]!.id, 'approved', clock.now());
    expect(await ids({ status: 'approved' })).toEqual([made[2]!.id]);
    // Listed as a reader sees them: past its expiry a pending challenge is expired, swept or not.
    const lastExpiry = made[4]!.expiresAt;
    expect(await ids({ status: 'expired', asOf: lastExpiry })).toEqual([
      made[4]!.id,
      made[3]!.id,
      made[1]!.id,
      made[0]!.id,
    ]);
    expect(await ids({ status: 'pending', asOf: lastExpiry })).toEqual([]);
    expect(await ids({ status: 'pending', asOf: lastExpiry - 1 })).toEqual([made[4]!.id]);
    expect(await ids({ createdFrom: made[1]!.createdAt, createdTo: made[3]!.createdAt })).toEqual([
      made[2]!.id,
      made[1]!.id,
    ]);
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another kind of id', encodeCursor({ createdAt: 1, id: 'dev_abcdef' })],
    ['a non-integer time', Buffer.from('[1.5,"chl_abcd"]').toString('base64url')],
  ])('refuses a cursor that is %s', async (_name, cursor) => {
    await expectKeyraError(
      listChallenges(storage.challenges, scope, {}, 10, cursor),
      'invalid_cursor',
    );
  });
});
