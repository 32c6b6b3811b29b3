import { approveChallenge, rejectChallenge } from '@keyra/device';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createChallenge,
  createPolicy,
  putApproverGroup,
  updatePolicy,
  verifyChallenge,
  type ChallengeRecord,
  type CreateChallengeInput,
  type PolicyInput,
  type Scope,
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
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let clock: ManualClock;
let scope: Scope;
let alice: PairedDevice;
let bob: PairedDevice;
let alicePasskey: PairedDevice;
let proofs: Awaited<ReturnType<typeof proofDeps>>;

/** Friday 2027-01-15 09:00 UTC (10:00 in Berlin). */
beforeEach(async () => {
  db = await openTestStorage();
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  alice = await pairDevice(db.storage, scope, 'usr_alice', clock.now());
  bob = await pairDevice(db.storage, scope, 'usr_bob', clock.now());
  alicePasskey = await pairDevice(db.storage, scope, 'usr_alice', clock.now(), {
    origin: WEB_ORIGIN,
  });
  proofs = await proofDeps(clock.now());
  await putApproverGroup(scope, 'finance', ['usr_alice', 'usr_bob'], {
    storage: db.storage,
    now: clock.now(),
  });
});
afterEach(async () => db.close());

const change = () => ({ storage: db.storage, now: clock.now() });
const policy = (input: Partial<PolicyInput> & Pick<PolicyInput, 'require'>) =>
  createPolicy(scope, { name: 'rule', match: { action: 'wire.*' }, ...input }, change());

function create(input: Partial<CreateChallengeInput> = {}): Promise<ChallengeRecord> {
  return createChallenge(
    scope,
    {
      action: 'wire.send',
      userId: 'usr_alice',
      payload: { amount: 25_000, currency: 'EUR' },
      audience: 'treasury',
      ...input,
    },
    { storage: db.storage, now: clock.now() },
  );
}

function deps(): VerifyChallengeDeps {
  return { storage: db.storage, rp: RP, trust: fixtureTrust(), ...proofs, now: clock.now() };
}

function answer(challenge: ChallengeRecord, device: PairedDevice, decision = 'approve') {
  const sign = decision === 'approve' ? approveChallenge : rejectChallenge;
  const signed = sign(device.state, {
    digestHex: challenge.digest,
    rpId: RP.id,
    ...(device.record.kind === 'passkey' ? { origin: WEB_ORIGIN } : {}),
  });
  device.state = signed.state;
  return verifyChallenge(
    scope,
    challenge.id,
    { deviceId: device.record.id, attestation: signed.response },
    deps(),
  );
}

describe('policies at challenge creation', () => {
  it('no matching rule: allowed, and the challenge stores no policy', async () => {
    await policy({ match: { action: 'deploy.*' }, require: { quorum: 2 } });
    const challenge = await create();
    expect(challenge).not.toHaveProperty('policy');
    expect((await answer(challenge, alice)).challenge.status).toBe('approved');
  });

  it('stores the matching version and its requirement; a later PATCH changes nothing for it', async () => {
    const rule = await policy({ require: { methods: ['device'], stamp: true } });
    const challenge = await create();
    expect(challenge.policy).toEqual({
      id: rule.id,
      name: 'rule',
      version: 1,
      requirement: { methods: ['device'], stamp: true },
    });
    expect(challenge.stampRequested).toBe(true);
    await updatePolicy(scope, rule.id, { require: { methods: ['passkey'] } }, change());
    expect((await db.storage.challenges.find(scope, challenge.id))?.policy?.version).toBe(1);
    // Version 1 allowed the device: it still does for this challenge.
    const approved = await answer(challenge, alice);
    expect(approved.challenge.status).toBe('approved');
    expect(approved.stamp).not.toBeNull();
    // A new challenge falls under version 2, which allows only passkeys.
    const next = await create();
    expect(next.policy?.version).toBe(2);
    expect(next.stampRequested).toBe(false);
    const error = await expectKeyraError(answer(next, alice), 'policy_method_not_allowed');
    expect(error.details).toMatchObject({
      policy: { id: rule.id, name: 'rule', version: 2 },
      method: 'device',
    });
    expect((await answer(next, alicePasskey)).challenge.status).toBe('approved');
  });

  it('conditions select the rule: small wires pass, big ones need the quorum from the group', async () => {
    await policy({
      match: { action: 'wire.*', conditions: ['payload.amount >= 10000'] },
      require: { quorum: 2, groups: ['finance'] },
    });
    const small = await create({ payload: { amount: 500 } });
    expect(small.policy).toBeUndefined();
    const single = await expectKeyraError(create(), 'policy_quorum_required');
    expect(single.details).toMatchObject({ quorum: 1, requiredQuorum: 2 });
    await expectKeyraError(
      create({ userId: undefined, approvers: ['usr_alice', 'usr_bob'], quorum: 1 }),
      'policy_quorum_required',
    );
    const outsider = await expectKeyraError(
      create({ userId: undefined, approvers: ['usr_alice', 'usr_eve'], quorum: 2 }),
      'policy_approver_not_in_group',
    );
    expect(outsider.details).toMatchObject({ userId: 'usr_eve', groups: ['finance'] });
    const ok = await create({ userId: undefined, approvers: ['usr_alice', 'usr_bob'], quorum: 2 });
    expect(ok.policy?.requirement).toEqual({ quorum: 2, groups: ['finance'] });
    // Refused creates stored nothing and logged nothing. (Both were created at the same instant of
    // the manual clock, so the list's order between them is the ids' order: compare as sets.)
    expect((await db.storage.challenges.list(scope, {}, 10)).map((c) => c.id).sort()).toEqual(
      [ok.id, small.id].sort(),
    );
    const created = await db.storage.audit.list(scope.tenantId, { type: 'challenge.created' }, 10);
    expect(created).toHaveLength(2);
  });

  it('maxExpiresIn: a longer expiresIn (or the default above it) is refused, not clamped', async () => {
    await policy({ require: { maxExpiresIn: 60 } });
    const error = await expectKeyraError(create({ expiresIn: 61 }), 'policy_expires_in_too_long');
    expect(error.details).toMatchObject({ expiresIn: 61, maxExpiresIn: 60 });
    await expectKeyraError(create(), 'policy_expires_in_too_long');
    expect((await create({ expiresIn: 60 })).policy?.requirement.maxExpiresIn).toBe(60);
  });
});

describe('policies at verify', () => {
  it('time windows: outside refused (nothing recorded), inside approved; rejecting is always allowed', async () => {
    await policy({
      require: {
        windows: [
          {
            timeZone: 'Europe/Berlin',
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            from: '09:00',
            to: '17:00',
          },
        ],
      },
    });
    clock.set(Date.UTC(2027, 0, 15, 16, 30)); // Friday 17:30 in Berlin
    const late = await create();
    const error = await expectKeyraError(answer(late, alice), 'policy_outside_window');
    expect(error.details).toMatchObject({ policy: { name: 'rule', version: 1 } });
    expect((await db.storage.challenges.find(scope, late.id))?.status).toBe('pending');
    expect((await db.storage.devices.find(scope, alice.record.id))?.lastUsedAt).toBeNull();
    expect((await answer(late, alice, 'reject')).challenge.status).toBe('rejected');

    clock.set(Date.UTC(2027, 0, 15, 8, 0)); // Friday 09:00 in Berlin
    expect((await answer(await create(), alice)).challenge.status).toBe('approved');
  });

  it('quorum challenges: each approving vote is checked against the stored methods', async () => {
    await policy({ require: { methods: ['passkey'] } });
    const challenge = await create({
      userId: undefined,
      approvers: ['usr_alice', 'usr_bob'],
      quorum: 1,
    });
    await expectKeyraError(answer(challenge, bob), 'policy_method_not_allowed');
    expect((await db.storage.challenges.find(scope, challenge.id))?.quorum?.votes).toEqual([]);
    expect((await answer(challenge, alicePasskey)).challenge.status).toBe('approved');
  });
});
