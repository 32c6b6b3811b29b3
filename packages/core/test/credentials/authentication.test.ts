import { getAssertion, KEYRA_ONE_ORIGIN } from '@keyra/device';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CEREMONY_TTL_MS,
  createChallenge,
  finishAuthentication,
  startAuthentication,
  verifyChallenge,
  type Scope,
  type Storage,
} from '../../src/index.js';
import {
  fixtureTrust,
  pairDevice,
  proofDeps,
  RP,
  type PairedDevice,
} from '../support/approvalDeps.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let scope: Scope;
let alice: PairedDevice;
let bob: PairedDevice;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  alice = await pairDevice(storage, scope, 'usr_alice', clock.now());
  bob = await pairDevice(storage, scope, 'usr_bob', clock.now());
});
afterEach(async () => db.close());

const start = (userId: string, challengeId?: string) =>
  startAuthentication(
    storage,
    RP,
    scope,
    { userId, ...(challengeId === undefined ? {} : { challengeId }) },
    clock.now(),
  );

/** The device answers sign-in options (its counter moves on). */
function answer(device: PairedDevice, options: Awaited<ReturnType<typeof start>>): unknown {
  const signed = getAssertion(device.state, options, { origin: KEYRA_ONE_ORIGIN });
  device.state = signed.state;
  return signed.response;
}

const finish = (userId: string, response: unknown) =>
  finishAuthentication(storage, RP, fixtureTrust(), scope, { userId, response }, clock.now());

describe('startAuthentication and finishAuthentication (device sign-in)', () => {
  it('signs a device in once per ceremony and moves its counter', async () => {
    const options = await start('usr_alice');
    expect(options.allowCredentials).toEqual([
      expect.objectContaining({ id: alice.record.credentialId }),
    ]);
    expect(options.userVerification).toBe('required');
    const response = answer(alice, options);
    clock.advance(1_000);
    expect(await finish('usr_alice', response)).toMatchObject({
      id: alice.record.id,
      signCount: 1,
      lastUsedAt: clock.now(),
    });
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({ signCount: 1 });

    // The same answer again: the ceremony is spent.
    await expectKeyraError(finish('usr_alice', response), 'attestation_invalid');
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      signCount: 1,
      disabledAt: null,
    });
  });

  it('refuses an answer after the ceremony expired', async () => {
    const response = answer(alice, await start('usr_alice'));
    clock.advance(CEREMONY_TTL_MS);
    const error = await expectKeyraError(finish('usr_alice', response), 'attestation_invalid');
    expect(error.message).toMatch(/expired or already used/);
  });

  it("refuses a ceremony started for another user, even with the user's own device", async () => {
    const bobsOptions = await start('usr_bob');
    const forged = getAssertion(
      alice.state,
      { ...bobsOptions, allowCredentials: [] },
      { origin: KEYRA_ONE_ORIGIN },
    ).response;
    await expectKeyraError(finish('usr_alice', forged), 'attestation_invalid');
    // And a device presented for a user it does not belong to is unknown for that user.
    await expectKeyraError(finish('usr_alice', answer(bob, bobsOptions)), 'device_not_found');
  });

  it('refuses revoked and disabled devices, and offers only active ones', async () => {
    const options = await start('usr_alice');
    await storage.devices.revoke(scope, alice.record.id, clock.now());
    await expectKeyraError(finish('usr_alice', answer(alice, options)), 'attestation_invalid');
    await expectKeyraError(start('usr_alice'), 'device_not_found');

    const bobsOptions = await start('usr_bob');
    await storage.devices.disable(scope, bob.record.id, 'counter_regression', clock.now());
    await expectKeyraError(finish('usr_bob', answer(bob, bobsOptions)), 'attestation_invalid');
    await expectKeyraError(start('usr_bob'), 'device_not_found');
  });

  it('disables a device whose counter went backwards (a clone)', async () => {
    const clone = alice.state;
    await finish('usr_alice', answer(alice, await start('usr_alice')));
    const stale = getAssertion(clone, await start('usr_alice'), { origin: KEYRA_ONE_ORIGIN });
    const error = await expectKeyraError(
      finish('usr_alice', stale.response),
      'attestation_invalid',
    );
    expect(error.message).toMatch(/may have been cloned/);
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      disabledReason: 'counter_regression',
    });
  });
});

describe('startAuthentication for a challenge', () => {
  it("uses the challenge digest, so the browser's assertion approves it", async () => {
    const challenge = await createChallenge(
      scope,
      { action: 'transfer.approve', userId: 'usr_alice', audience: 'acme' },
      { storage: storage, now: clock.now() },
    );
    const options = await start('usr_alice', challenge.id);
    expect(options.challenge).toBe(Buffer.from(challenge.digest, 'hex').toString('base64url'));
    const proofs = await proofDeps(clock.now());
    const result = await verifyChallenge(
      scope,
      challenge.id,
      { deviceId: alice.record.id, attestation: answer(alice, options) },
      { storage, rp: RP, trust: fixtureTrust(), ...proofs, now: clock.now() },
    );
    expect(result.challenge.status).toBe('approved');
  });

  it('refuses another user’s, an unknown or an expired challenge', async () => {
    const challenge = await createChallenge(
      scope,
      { action: 'transfer.approve', userId: 'usr_alice', expiresIn: 10, audience: 'acme' },
      { storage: storage, now: clock.now() },
    );
    const error = await expectKeyraError(start('usr_bob', challenge.id), 'validation_failed');
    expect(error.details).toEqual([{ field: 'userId', issue: 'mismatch' }]);
    await expectKeyraError(start('usr_alice', 'chl_unknown0000'), 'challenge_not_found');
    clock.set(challenge.expiresAt);
    await expectKeyraError(start('usr_alice', challenge.id), 'challenge_expired');
  });
});
