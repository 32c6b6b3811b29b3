import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { approveChallenge, rejectChallenge } from '@keyra/device';
import { migrateToLatest, openStorage } from '@keyra/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
} from '../../../storage/test/postgresTestDatabase.js';
import {
  canonicalJson,
  challengeDigest,
  createChallenge,
  verifyChallenge,
  type ChallengeRecord,
  type CreateChallengeInput,
  type RejectOn,
  type Scope,
  type Storage,
  type VerifyChallengeDeps,
} from '../../src/index.js';
import {
  fixtureTrust,
  pairDevice,
  proofDeps,
  RP,
  WEB_ORIGIN,
  type PairedDevice,
} from '../support/approvalDeps.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { CLOCK_START, manualClock, type ManualClock } from '../support/manualClock.js';

const START_SECONDS = CLOCK_START / 1000;
const skipPostgres = await shouldSkipPostgres();
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let scope: Scope;
let alice: PairedDevice;
let bob: PairedDevice;
let carol: PairedDevice;
let mallory: PairedDevice;
let proofs: Awaited<ReturnType<typeof proofDeps>>;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  alice = await pairDevice(storage, scope, 'usr_alice', clock.now());
  bob = await pairDevice(storage, scope, 'usr_bob', clock.now());
  carol = await pairDevice(storage, scope, 'usr_carol', clock.now());
  mallory = await pairDevice(storage, scope, 'usr_mallory', clock.now());
  proofs = await proofDeps(clock.now());
});
afterEach(async () => db.close());

/**
 * Like the server's, the signer and the stamp issuer read the database (its signing keys, the
 * tenant): a verb that signed inside its transaction would wait on itself on SQLite.
 */
function deps(overrides: Partial<VerifyChallengeDeps> = {}): VerifyChallengeDeps {
  const at = overrides.storage ?? storage;
  return {
    storage: at,
    rp: RP,
    trust: fixtureTrust(),
    signer: {
      async sign(subject, now) {
        await at.signingKeys.listAll();
        return proofs.signer.sign(subject, now);
      },
    },
    stamps: {
      async issue(stampScope, subject, now) {
        await at.tenants.findById(stampScope.tenantId);
        return proofs.stamps.issue(stampScope, subject, now);
      },
    },
    now: clock.now(),
    ...overrides,
  };
}

function quorumChallenge(
  fields: { quorum?: number; rejectOn?: RejectOn; stamp?: boolean } = {},
  at: Scope = scope,
  store: Storage = storage,
): Promise<ChallengeRecord> {
  return createChallenge(
    at,
    {
      action: 'wire.send',
      approvers: ['usr_alice', 'usr_bob', 'usr_carol'],
      quorum: fields.quorum ?? 2,
      ...(fields.rejectOn ? { rejectOn: fields.rejectOn } : {}),
      payload: { amount: 250_000, currency: 'EUR' },
      audience: 'treasury',
      ...(fields.stamp ? { stamp: true } : {}),
    },
    { storage: store, now: clock.now() },
  );
}

function approve(device: PairedDevice, digest: string): unknown {
  const signed = approveChallenge(device.state, { digestHex: digest, rpId: RP.id });
  device.state = signed.state;
  return signed.response;
}

function reject(device: PairedDevice, digest: string): unknown {
  const signed = rejectChallenge(device.state, { digestHex: digest, rpId: RP.id });
  device.state = signed.state;
  return signed.response;
}

const vote = (challenge: ChallengeRecord, device: PairedDevice, attestation: unknown) =>
  verifyChallenge(scope, challenge.id, { deviceId: device.record.id, attestation }, deps());

async function written(challengeId: string) {
  return {
    challenge: await storage.challenges.find(scope, challengeId),
    events: await storage.events.list(scope, 100),
    usage: await storage.usage.findBySubject(scope, challengeId),
    devices: await storage.devices.list(scope, { includeRevoked: true }),
  };
}

describe('createChallenge with approvers', () => {
  const base = { action: 'wire.send', audience: 'treasury' };
  it.each<[string, Partial<CreateChallengeInput>, string, string]>([
    ['neither userId nor approvers', {}, 'userId', 'required'],
    [
      'both userId and approvers',
      { userId: 'usr_alice', approvers: ['usr_alice', 'usr_bob'], quorum: 1 },
      'approvers',
      'conflicts_with_user_id',
    ],
    ['approvers without quorum', { approvers: ['usr_alice', 'usr_bob'] }, 'quorum', 'required'],
    [
      'a quorum above the approvers',
      { approvers: ['usr_a', 'usr_b'], quorum: 3 },
      'quorum',
      'out_of_range',
    ],
    ['a quorum of 0', { approvers: ['usr_a', 'usr_b'], quorum: 0 }, 'quorum', 'out_of_range'],
    [
      'the same approver twice',
      { approvers: ['usr_a', 'usr_b', 'usr_a'], quorum: 2 },
      'approvers',
      'duplicate',
    ],
    ['no approvers', { approvers: [], quorum: 1 }, 'approvers', 'size'],
    [
      '21 approvers',
      { approvers: Array.from({ length: 21 }, (_, i) => `usr_${i}`), quorum: 2 },
      'approvers',
      'size',
    ],
    ['a quorum with a userId', { userId: 'usr_alice', quorum: 1 }, 'quorum', 'requires_approvers'],
    [
      'rejectOn with a userId',
      { userId: 'usr_alice', rejectOn: 'any' },
      'rejectOn',
      'requires_approvers',
    ],
  ])('refuses %s, storing nothing', async (_name, fields, field, issue) => {
    const error = await expectKeyraError(
      createChallenge(scope, { ...base, ...fields }, { storage, now: clock.now() }),
      'validation_failed',
    );
    expect(error.details).toEqual([{ field, issue }]);
    expect(await storage.challenges.list(scope, {}, 10)).toEqual([]);
  });

  it('stores the rule, no user, and a digest over the approvers in their order', async () => {
    const challenge = await quorumChallenge();
    expect(challenge.userId).toBeNull();
    expect(challenge.quorum).toEqual({
      approvers: ['usr_alice', 'usr_bob', 'usr_carol'],
      quorum: 2,
      rejectOn: 'impossible',
      votes: [],
    });
    const document = canonicalJson({
      action: 'wire.send',
      approvers: ['usr_alice', 'usr_bob', 'usr_carol'],
      expiresAt: new Date(challenge.expiresAt).toISOString().replace('.000Z', 'Z'),
      id: challenge.id,
      payload: { amount: 250_000, currency: 'EUR' },
      quorum: 2,
    });
    expect(challenge.digest).toBe(createHash('sha256').update(document).digest('hex'));
    const reordered = challengeDigest({
      id: challenge.id,
      action: challenge.action,
      approvers: ['usr_bob', 'usr_alice', 'usr_carol'],
      quorum: 2,
      payload: challenge.payload,
      expiresAt: challenge.expiresAt,
    });
    expect(reordered).not.toBe(challenge.digest);
    expect(await storage.challenges.find(scope, challenge.id)).toEqual(challenge);
  });
});

describe('verifyChallenge on a quorum challenge', () => {
  it('2 of 3: the first approval is recorded and pending, the second approves with one proof naming both', async () => {
    const challenge = await quorumChallenge();
    clock.advance(1_000);
    const first = await vote(challenge, alice, approve(alice, challenge.digest));
    expect(first.challenge).toMatchObject({ status: 'pending', proof: null, decidedAt: null });
    expect(first.challenge.quorum?.votes).toEqual([
      {
        userId: 'usr_alice',
        decision: 'approved',
        deviceId: alice.record.id,
        method: 'device',
        decidedAt: clock.now(),
      },
    ]);
    expect(await storage.usage.findBySubject(scope, challenge.id)).toBeNull();
    const recorded = await storage.events.list(scope, 10, { type: 'challenge.approval_recorded' });
    expect(recorded.map((event) => event.data)).toEqual([
      {
        challengeId: challenge.id,
        action: 'wire.send',
        userId: 'usr_alice',
        decision: 'approved',
        deviceId: alice.record.id,
        method: 'device',
        decidedAt: '2027-01-15T09:00:01Z',
        quorum: 2,
        approvalCount: 1,
        remaining: 1,
        metadata: {},
      },
    ]);

    clock.advance(1_000);
    const second = await vote(challenge, bob, approve(bob, challenge.digest));
    expect(second.challenge).toMatchObject({
      status: 'approved',
      decidedAt: clock.now(),
      deviceId: bob.record.id,
      method: 'device',
    });
    expect(decodeJwt(second.challenge.proof!)).toMatchObject({
      sub: challenge.id,
      challengeId: challenge.id,
      challengeDigest: challenge.digest,
      aud: 'treasury',
      method: 'device',
      deviceId: bob.record.id,
      approvers: [
        { sub: 'usr_alice', method: 'device', deviceId: alice.record.id, at: START_SECONDS + 1 },
        { sub: 'usr_bob', method: 'device', deviceId: bob.record.id, at: START_SECONDS + 2 },
      ],
    });
    const approved = await storage.events.list(scope, 10, { type: 'challenge.approved' });
    expect(approved.map((event) => event.data)).toEqual([
      {
        challengeId: challenge.id,
        action: 'wire.send',
        userId: null,
        deviceId: bob.record.id,
        method: 'device',
        decidedAt: '2027-01-15T09:00:02Z',
        quorum: 2,
        approvals: [
          {
            userId: 'usr_alice',
            deviceId: alice.record.id,
            method: 'device',
            decidedAt: '2027-01-15T09:00:01Z',
          },
          {
            userId: 'usr_bob',
            deviceId: bob.record.id,
            method: 'device',
            decidedAt: '2027-01-15T09:00:02Z',
          },
        ],
        metadata: {},
      },
    ]);
    expect(
      await storage.events.list(scope, 10, { type: 'challenge.approval_recorded' }),
    ).toHaveLength(2);
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(1);

    // The third approver is too late.
    await expectKeyraError(
      vote(challenge, carol, approve(carol, challenge.digest)),
      'challenge_already_used',
    );
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(1);
  });

  it('refuses the same human twice (same or another device) and a human not listed, writing nothing', async () => {
    const challenge = await quorumChallenge({ quorum: 3 });
    await vote(challenge, alice, approve(alice, challenge.digest));
    const aliceLaptop = await pairDevice(storage, scope, 'usr_alice', clock.now(), {
      origin: WEB_ORIGIN,
    });
    const before = await written(challenge.id);
    const twice = await expectKeyraError(
      vote(challenge, alice, approve(alice, challenge.digest)),
      'duplicate_vote',
    );
    expect(twice.message).toMatch(/usr_alice already voted/);
    await expectKeyraError(
      vote(challenge, aliceLaptop, reject(aliceLaptop, challenge.digest)),
      'duplicate_vote',
    );
    const stranger = await expectKeyraError(
      vote(challenge, mallory, approve(mallory, challenge.digest)),
      'not_an_approver',
    );
    expect(stranger.message).toMatch(/usr_mallory, who is not an approver/);
    expect(await written(challenge.id)).toEqual(before);
  });

  it('refuses an approver signing anything but the quorum digest', async () => {
    const challenge = await quorumChallenge();
    const singleDigest = challengeDigest({
      id: challenge.id,
      action: challenge.action,
      userId: 'usr_alice',
      payload: challenge.payload,
      expiresAt: challenge.expiresAt,
    });
    const before = await written(challenge.id);
    const error = await expectKeyraError(
      vote(challenge, alice, approve(alice, singleDigest)),
      'attestation_invalid',
    );
    expect(error.message).toMatch(/does not sign challenge/);
    expect(await written(challenge.id)).toEqual(before);
  });

  it('rejectOn impossible: rejected once the quorum is out of reach, not before', async () => {
    const challenge = await quorumChallenge();
    const first = await vote(challenge, alice, reject(alice, challenge.digest));
    expect(first.challenge.status).toBe('pending');
    const second = await vote(challenge, carol, reject(carol, challenge.digest));
    expect(second.challenge).toMatchObject({ status: 'rejected', proof: null });
    const rejected = await storage.events.list(scope, 10, { type: 'challenge.rejected' });
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.data).toMatchObject({
      rejections: [{ userId: 'usr_alice' }, { userId: 'usr_carol' }],
    });
    expect(await storage.usage.findBySubject(scope, challenge.id)).toBeNull();
  });

  it('rejectOn impossible: an approval after one rejection can still reach the quorum', async () => {
    const challenge = await quorumChallenge();
    await vote(challenge, alice, reject(alice, challenge.digest));
    await vote(challenge, bob, approve(bob, challenge.digest));
    const last = await vote(challenge, carol, approve(carol, challenge.digest));
    expect(last.challenge.status).toBe('approved');
    expect(decodeJwt(last.challenge.proof!).approvers).toMatchObject([
      { sub: 'usr_bob' },
      { sub: 'usr_carol' },
    ]);
  });

  it('rejectOn any: the first rejection rejects', async () => {
    const challenge = await quorumChallenge({ rejectOn: 'any' });
    await vote(challenge, alice, approve(alice, challenge.digest));
    const rejected = await vote(challenge, bob, reject(bob, challenge.digest));
    expect(rejected.challenge.status).toBe('rejected');
  });

  it('issues one stamp with the approval that completes the quorum', async () => {
    const challenge = await quorumChallenge({ stamp: true, quorum: 1 });
    const result = await vote(challenge, carol, approve(carol, challenge.digest));
    expect(result.stamp).toMatchObject({ subjectId: challenge.id, method: 'device' });
    expect(result.challenge.stampId).toBe(result.stamp?.id);
  });

  it('racing approvals from two connections: every human counted once, one approval, metered once', async () => {
    const file = await openTestStorage({ file: true });
    try {
      const main = file.storage;
      const at = await tenantScope(main, 'acme', clock.now());
      const humans = await Promise.all(
        ['usr_alice', 'usr_bob', 'usr_carol'].map((userId) =>
          pairDevice(main, at, userId, clock.now()),
        ),
      );
      const second = await openStorage(file.url);
      try {
        for (let round = 0; round < 3; round++) {
          const challenge = await quorumChallenge({ quorum: 2 }, at, main);
          // Each human answers twice at once (a double tap), on both connections.
          const answers = humans.flatMap((human) => {
            const attestation = approve(human, challenge.digest);
            return [main, second].map((store) =>
              verifyChallenge(
                at,
                challenge.id,
                { deviceId: human.record.id, attestation },
                deps({ storage: store }),
              ).then(
                (result) => result.challenge.status,
                (error: { code: string }) => error.code,
              ),
            );
          });
          const outcomes = await Promise.all(answers);
          expect(outcomes.filter((o) => o === 'approved')).toHaveLength(1);
          expect(outcomes.filter((o) => o === 'pending')).toHaveLength(1);
          for (const outcome of outcomes)
            expect(outcome).toMatch(
              /^(approved|pending|challenge_already_used|duplicate_vote|attestation_invalid)$/,
            );
          const final = await main.challenges.find(at, challenge.id);
          expect(final?.status).toBe('approved');
          const voters = final?.quorum?.votes.map((v) => v.userId) ?? [];
          expect(new Set(voters).size).toBe(voters.length);
          expect(voters).toHaveLength(2);
          const events = (await main.events.list(at, 100)).filter(
            (event) => event.data['challengeId'] === challenge.id,
          );
          expect(events.filter((e) => e.type === 'challenge.approved')).toHaveLength(1);
          expect(events.filter((e) => e.type === 'challenge.approval_recorded')).toHaveLength(2);
          for (const human of humans)
            expect(await main.devices.find(at, human.record.id)).toMatchObject({
              disabledAt: null,
            });
        }
        expect(await main.usage.meteredCount(at.tenantId)).toBe(3);
      } finally {
        await second.close();
      }
    } finally {
      await file.close();
    }
  });
});

describe.skipIf(skipPostgres)(
  'quorum races on PostgreSQL, two instances with their own pools',
  () => {
    it('five approvers of a 3-of-5 approving at once, each twice: one approval, three votes, metered once', async () => {
      const database = await createTestPostgresDatabase();
      await migrateToLatest(database.url);
      const main = await openStorage(database.url, { poolSize: 8 });
      const second = await openStorage(database.url, { poolSize: 8 });
      try {
        const at = await tenantScope(main, 'acme', clock.now());
        const humans: PairedDevice[] = [];
        for (const userId of ['usr_1', 'usr_2', 'usr_3', 'usr_4', 'usr_5'])
          humans.push(await pairDevice(main, at, userId, clock.now()));
        for (let round = 0; round < 3; round++) {
          const challenge = await createChallenge(
            at,
            {
              action: 'wire.send',
              approvers: humans.map((human) => human.record.userId),
              quorum: 3,
              payload: { amount: 1_000_000 },
              audience: 'treasury',
            },
            { storage: main, now: clock.now() },
          );
          const outcomes = await Promise.all(
            humans.flatMap((human) => {
              const attestation = approve(human, challenge.digest);
              return [main, second].map((instance) =>
                verifyChallenge(
                  at,
                  challenge.id,
                  { deviceId: human.record.id, attestation },
                  deps({ storage: instance }),
                ).then(
                  (result) => result.challenge.status,
                  (error: { code: string }) => error.code,
                ),
              );
            }),
          );
          expect(outcomes.filter((o) => o === 'approved')).toHaveLength(1);
          expect(outcomes.filter((o) => o === 'pending')).toHaveLength(2);
          for (const outcome of outcomes)
            expect(outcome).toMatch(
              /^(approved|pending|challenge_already_used|duplicate_vote|attestation_invalid)$/,
            );
          const final = await second.challenges.find(at, challenge.id);
          expect(final?.status).toBe('approved');
          const voters = final?.quorum?.votes.map((vote) => vote.userId) ?? [];
          expect(voters).toHaveLength(3);
          expect(new Set(voters).size).toBe(3);
          const events = (await main.events.list(at, 100)).filter(
            (event) => event.data['challengeId'] === challenge.id,
          );
          expect(events.filter((e) => e.type === 'challenge.approved')).toHaveLength(1);
          expect(events.filter((e) => e.type === 'challenge.approval_recorded')).toHaveLength(3);
          expect(decodeJwt(final!.proof!).approvers).toHaveLength(3);
        }
        expect(await main.usage.meteredCount(at.tenantId)).toBe(3);
      } finally {
        await main.close();
        await second.close();
        await database.drop();
      }
    });
  },
);
