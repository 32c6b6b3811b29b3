import { decodeJwt } from 'jose';
import {
  approveChallenge,
  createAuthenticator,
  KEYRA_ONE_ORIGIN,
  rejectChallenge,
  type AuthenticatorState,
} from '@keyra/device';
import { openStorage } from '@keyra/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelChallenge,
  challengeDigest,
  createChallenge,
  verifyChallenge,
  verifyAuditChain,
  type ChallengeRecord,
  type ErrorCode,
  type Scope,
  type Storage,
  type VerifyChallengeDeps,
} from '../../src/index.js';
import {
  ATTESTATION_LEAF_PEM,
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
let storage: Storage;
let clock: ManualClock;
let scope: Scope;
/** Another tenant, and the same tenant's production environment. */
let otherTenant: Scope;
let production: Scope;
let alice: PairedDevice;
let bob: PairedDevice;
let proofs: Awaited<ReturnType<typeof proofDeps>>;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  otherTenant = await tenantScope(db.storage, 'globex', clock.now());
  production = { tenantId: scope.tenantId, environment: 'production' };
  alice = await pairDevice(storage, scope, 'usr_alice', clock.now());
  bob = await pairDevice(storage, scope, 'usr_bob', clock.now());
  proofs = await proofDeps(clock.now());
});
afterEach(async () => db.close());

function deps(overrides: Partial<VerifyChallengeDeps> = {}): VerifyChallengeDeps {
  return {
    storage,
    rp: RP,
    trust: fixtureTrust(),
    signer: proofs.signer,
    stamps: proofs.stamps,
    now: clock.now(),
    ...overrides,
  };
}

function newChallenge(
  fields: { userId?: string; stamp?: boolean; expiresIn?: number } = {},
  at: Scope = scope,
): Promise<ChallengeRecord> {
  return createChallenge(
    at,
    {
      action: 'transfer.approve',
      userId: fields.userId ?? 'usr_alice',
      payload: { amount: 12500, currency: 'USD' },
      audience: 'acme',
      ...(fields.stamp === undefined ? {} : { stamp: fields.stamp }),
      ...(fields.expiresIn === undefined ? {} : { expiresIn: fields.expiresIn }),
    },
    { storage: storage, now: clock.now() },
  );
}

type AnswerOptions = { origin?: string; rpId?: string; userVerified?: boolean };

/** The device approves `digest` (its counter moves on, as a real device's does). */
function approve(device: PairedDevice, digest: string, options: AnswerOptions = {}): unknown {
  const signed = approveChallenge(device.state, { digestHex: digest, rpId: RP.id, ...options });
  device.state = signed.state;
  return signed.response;
}

function reject(device: PairedDevice, digest: string): unknown {
  const signed = rejectChallenge(device.state, { digestHex: digest, rpId: RP.id });
  device.state = signed.state;
  return signed.response;
}

const verify = (at: Scope, id: string, device: { id: string }, attestation: unknown) =>
  verifyChallenge(at, id, { deviceId: device.id, attestation }, deps());

/** Everything a verify may write for a challenge: compared before and after a refused one. */
async function written(at: Scope, challengeId: string) {
  return {
    challenge: await storage.challenges.find(at, challengeId),
    events: await storage.events.list(at, 100),
    usage: await storage.usage.findBySubject(at, challengeId),
    devices: await storage.devices.list(at, { includeRevoked: true }),
    deliveries: await storage.webhookDeliveries.countByStatus(at),
    audit: await storage.audit.list(at.tenantId, {}, 1000),
  };
}

/** One attack: what to send, in which scope, and the refusal it must meet. */
interface Attack {
  name: string;
  code: ErrorCode;
  /** The message of the check that must refuse it, where several checks share a code. */
  because?: RegExp;
  /** Prepares the attack; the challenge it targets lives in `scope`. */
  arrange(): Promise<{ at?: Scope; challengeId: string; deviceId: string; attestation: unknown }>;
}

const flip = (base64url: string): string => {
  const bytes = Buffer.from(base64url, 'base64url');
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0x01, bytes.length - 1);
  return bytes.toString('base64url');
};

type Assertion = { id: string; response: Record<string, string> };

const attacks: Attack[] = [
  {
    name: 'an unknown challenge id',
    code: 'challenge_not_found',
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: 'chl_doesnotexist000000000000',
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: "another tenant's challenge",
    code: 'challenge_not_found',
    async arrange() {
      const challenge = await newChallenge();
      return {
        at: otherTenant,
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: "the sandbox challenge from the tenant's production environment",
    code: 'challenge_not_found',
    async arrange() {
      const challenge = await newChallenge();
      return {
        at: production,
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: 'an expired challenge (at its expiry instant, before the sweep ran)',
    code: 'challenge_expired',
    async arrange() {
      const challenge = await newChallenge({ expiresIn: 60 });
      const attestation = approve(alice, challenge.digest);
      clock.set(challenge.expiresAt);
      return { challengeId: challenge.id, deviceId: alice.record.id, attestation };
    },
  },
  {
    name: 'an approval of a challenge the app canceled',
    code: 'challenge_canceled',
    async arrange() {
      const challenge = await newChallenge();
      const attestation = approve(alice, challenge.digest);
      await cancelChallenge(scope, challenge.id, { storage, now: clock.now() });
      return { challengeId: challenge.id, deviceId: alice.record.id, attestation };
    },
  },
  {
    name: 'a replay of the assertion that approved the challenge',
    code: 'challenge_already_used',
    async arrange() {
      const challenge = await newChallenge();
      const attestation = approve(alice, challenge.digest);
      await verify(scope, challenge.id, alice.record, attestation);
      return { challengeId: challenge.id, deviceId: alice.record.id, attestation };
    },
  },
  {
    name: 'a fresh approval of an approved challenge',
    code: 'challenge_already_used',
    async arrange() {
      const challenge = await newChallenge();
      await verify(scope, challenge.id, alice.record, approve(alice, challenge.digest));
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: 'an approval of a rejected challenge',
    code: 'challenge_already_used',
    async arrange() {
      const challenge = await newChallenge();
      await verify(scope, challenge.id, alice.record, reject(alice, challenge.digest));
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: 'an unknown device',
    code: 'device_not_found',
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: 'dev_doesnotexist000000000000',
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: "another tenant's device",
    code: 'device_not_found',
    async arrange() {
      const carol = await pairDevice(storage, otherTenant, 'usr_alice', clock.now());
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: carol.record.id,
        attestation: approve(carol, challenge.digest),
      };
    },
  },
  {
    name: "the user's device paired in production",
    code: 'device_not_found',
    async arrange() {
      const live = await pairDevice(storage, production, 'usr_alice', clock.now());
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: live.record.id,
        attestation: approve(live, challenge.digest),
      };
    },
  },
  {
    name: "another user's device, signing validly",
    code: 'attestation_invalid',
    because: /not paired with the challenge's user/,
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: bob.record.id,
        attestation: approve(bob, challenge.digest),
      };
    },
  },
  {
    name: 'a revoked device',
    code: 'attestation_invalid',
    because: /was revoked/,
    async arrange() {
      const challenge = await newChallenge();
      await storage.devices.revoke(scope, alice.record.id, clock.now());
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: 'a disabled device',
    code: 'attestation_invalid',
    because: /is disabled \(counter_regression\)/,
    async arrange() {
      const challenge = await newChallenge();
      await storage.devices.disable(scope, alice.record.id, 'counter_regression', clock.now());
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest),
      };
    },
  },
  {
    name: "the user's device id with another device's assertion",
    code: 'attestation_invalid',
    because: /not made by device/,
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(bob, challenge.digest),
      };
    },
  },
  {
    name: 'a signature over another challenge’s digest',
    code: 'attestation_invalid',
    because: /does not sign challenge/,
    async arrange() {
      const challenge = await newChallenge();
      const other = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, other.digest),
      };
    },
  },
  {
    name: 'a signature over the same challenge with another payload',
    code: 'attestation_invalid',
    because: /does not sign challenge/,
    async arrange() {
      const challenge = await newChallenge();
      const swapped = challengeDigest({
        id: challenge.id,
        action: challenge.action,
        userId: 'usr_alice',
        expiresAt: challenge.expiresAt,
        payload: { amount: 99_999, currency: 'USD' },
      });
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, swapped),
      };
    },
  },
  {
    name: 'clientDataJSON rewritten to this challenge over a signature of another',
    code: 'attestation_invalid',
    because: /signature failed verification/,
    async arrange() {
      const challenge = await newChallenge();
      const other = await newChallenge();
      const honest = approve(alice, challenge.digest) as Assertion;
      const forged = approve(alice, other.digest) as Assertion;
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: {
          ...forged,
          response: { ...forged.response, clientDataJSON: honest.response.clientDataJSON },
        },
      };
    },
  },
  {
    name: 'a tampered signature',
    code: 'attestation_invalid',
    because: /signature failed verification/,
    async arrange() {
      const challenge = await newChallenge();
      const signed = approve(alice, challenge.digest) as Assertion;
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: {
          ...signed,
          response: { ...signed.response, signature: flip(signed.response.signature!) },
        },
      };
    },
  },
  {
    name: 'an assertion without user verification',
    code: 'attestation_invalid',
    because: /user could not be verified/i,
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest, { userVerified: false }),
      };
    },
  },
  {
    name: 'an assertion for another relying party',
    code: 'attestation_invalid',
    because: /RP ID/i,
    async arrange() {
      const challenge = await newChallenge();
      // The same credential key, used for another rpId (a phishing site relaying the challenge).
      const credential = alice.state.credentials[0]!;
      const phished = approveChallenge(
        { ...alice.state, credentials: [{ ...credential, rpId: 'evil.example' }] },
        { digestHex: challenge.digest, rpId: 'evil.example' },
      );
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: phished.response,
      };
    },
  },
  {
    name: 'an assertion from an origin the relying party does not allow',
    code: 'attestation_invalid',
    because: /Origin https:\/\/evil.example is not allowed/,
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest, { origin: 'https://evil.example' }),
      };
    },
  },
  {
    name: 'a KEYRA ONE answering from a web origin',
    code: 'attestation_invalid',
    because: /not allowed for this KEYRA ONE/,
    async arrange() {
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: approve(alice, challenge.digest, { origin: WEB_ORIGIN }),
      };
    },
  },
  {
    name: 'a passkey (untrusted attestation) answering as a KEYRA ONE',
    code: 'attestation_invalid',
    because: /not allowed for this passkey/,
    async arrange() {
      const passkey = await pairDevice(storage, scope, 'usr_alice', clock.now(), {
        origin: WEB_ORIGIN,
        state: createAuthenticator(),
      });
      expect(passkey.record).toMatchObject({ kind: 'passkey', attestationTrusted: false });
      const challenge = await newChallenge();
      return {
        challengeId: challenge.id,
        deviceId: passkey.record.id,
        attestation: approve(passkey, challenge.digest, { origin: KEYRA_ONE_ORIGIN }),
      };
    },
  },
  {
    name: 'an answer without clientDataJSON',
    code: 'attestation_invalid',
    because: /no readable clientDataJSON/,
    async arrange() {
      const challenge = await newChallenge();
      const signed = approve(alice, challenge.digest) as Assertion;
      return {
        challengeId: challenge.id,
        deviceId: alice.record.id,
        attestation: { id: signed.id, response: { signature: signed.response.signature } },
      };
    },
  },
  {
    name: 'an answer that is not an object',
    code: 'attestation_invalid',
    because: /no valid credential id/,
    async arrange() {
      const challenge = await newChallenge();
      return { challengeId: challenge.id, deviceId: alice.record.id, attestation: 'approve' };
    },
  },
];

describe('verifyChallenge refuses every attack and writes nothing', () => {
  it.each(attacks)('$name → $code', async (attack) => {
    const { at, challengeId, deviceId, attestation } = await attack.arrange();
    const before = await written(scope, challengeId);
    const error = await expectKeyraError(
      verifyChallenge(at ?? scope, challengeId, { deviceId, attestation }, deps()),
      attack.code,
    );
    if (attack.because) expect(error.message).toMatch(attack.because);
    expect(await written(scope, challengeId)).toEqual(before);
  });

  it('covers each check of the doc paragraph with at least one attack', () => {
    const codes = new Set(attacks.map((attack) => attack.code));
    expect([...codes].sort()).toEqual([
      'attestation_invalid',
      'challenge_already_used',
      'challenge_canceled',
      'challenge_expired',
      'challenge_not_found',
      'device_not_found',
    ]);
  });
});

describe('verifyChallenge: clone detection', () => {
  it('disables a device whose counter went back on an open challenge, and writes nothing else', async () => {
    const first = await newChallenge();
    const cloned: AuthenticatorState = alice.state;
    await verify(scope, first.id, alice.record, approve(alice, first.digest));
    const second = await newChallenge();
    // The clone still holds the counter the original had before its last approval.
    const replayed = approveChallenge(cloned, { digestHex: second.digest, rpId: RP.id });
    const before = await written(scope, second.id);

    await expectKeyraError(
      verify(scope, second.id, alice.record, replayed.response),
      'attestation_invalid',
    );

    const after = await written(scope, second.id);
    expect(after.challenge).toEqual(before.challenge);
    expect(after.events).toEqual(before.events);
    expect(after.usage).toBeNull();
    // The only new audit entry is the disable, naming why.
    expect(after.audit.slice(0, before.audit.length)).toEqual(before.audit);
    expect(after.audit.slice(before.audit.length)).toMatchObject([
      {
        type: 'device.disabled',
        actor: 'system',
        subject: alice.record.id,
        data: { reason: 'counter_regression' },
      },
    ]);
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      signCount: 1,
      disabledAt: clock.now(),
      disabledReason: 'counter_regression',
    });
    // Disabled for good: even the genuine device can no longer approve.
    await expectKeyraError(
      verify(scope, second.id, alice.record, approve(alice, second.digest)),
      'attestation_invalid',
    );
  });

  it('does not disable the device for a forged low-counter assertion', async () => {
    const first = await newChallenge();
    const stale: AuthenticatorState = alice.state;
    await verify(scope, first.id, alice.record, approve(alice, first.digest));
    const second = await newChallenge();
    const forged = approveChallenge(stale, { digestHex: second.digest, rpId: RP.id })
      .response as unknown as Assertion;
    await expectKeyraError(
      verify(scope, second.id, alice.record, {
        ...forged,
        response: { ...forged.response, signature: flip(forged.response.signature!) },
      }),
      'attestation_invalid',
    );
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      disabledAt: null,
    });
  });
});

describe('verifyChallenge: decisions', () => {
  it('approves: one proof, one event, one usage record, the counter moved', async () => {
    const challenge = await newChallenge();
    clock.advance(2_000);
    const result = await verify(
      scope,
      challenge.id,
      alice.record,
      approve(alice, challenge.digest),
    );

    expect(result.challenge).toMatchObject({
      id: challenge.id,
      status: 'approved',
      decidedAt: clock.now(),
      deviceId: alice.record.id,
      method: 'device',
      stampId: null,
    });
    expect(result.stamp).toBeNull();
    expect(decodeJwt(result.challenge.proof!)).toMatchObject({
      iss: proofs.issuer,
      sub: 'usr_alice',
      challengeId: challenge.id,
      challengeDigest: challenge.digest,
      method: 'device',
      deviceId: alice.record.id,
      env: 'sandbox',
    });
    expect(await storage.challenges.find(scope, challenge.id)).toEqual(result.challenge);
    const events = await storage.events.list(scope, 100, { type: 'challenge.approved' });
    expect(events.map((event) => event.data)).toEqual([
      {
        challengeId: challenge.id,
        action: 'transfer.approve',
        userId: 'usr_alice',
        deviceId: alice.record.id,
        method: 'device',
        decidedAt: '2027-01-15T09:00:02Z',
        metadata: {},
      },
    ]);
    expect(await storage.usage.findBySubject(scope, challenge.id)).toMatchObject({
      method: 'device',
      billing: 'credit',
      day: '2027-01-15',
    });
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      signCount: 1,
      lastUsedAt: clock.now(),
    });
    const audit = await storage.audit.list(scope.tenantId, { subject: challenge.id }, 10);
    expect(audit).toMatchObject([
      { type: 'challenge.created', actor: 'system', data: { digest: challenge.digest } },
      { type: 'challenge.approved', actor: alice.record.id, data: { method: 'device' } },
    ]);
    expect(verifyAuditChain(await storage.audit.list(scope.tenantId, {}, 1000)).intact).toBe(true);
  });

  it('rejects: no proof, a challenge.rejected event, nothing metered', async () => {
    const challenge = await newChallenge();
    const result = await verify(scope, challenge.id, alice.record, reject(alice, challenge.digest));
    expect(result.challenge).toMatchObject({ status: 'rejected', proof: null });
    expect(
      (await storage.events.list(scope, 100)).filter((e) => e.type.startsWith('challenge.')),
    ).toMatchObject([{ type: 'challenge.rejected', data: { challengeId: challenge.id } }]);
    expect(await storage.usage.findBySubject(scope, challenge.id)).toBeNull();
  });

  it('issues and stores a stamp when the challenge asked for one', async () => {
    const challenge = await newChallenge({ stamp: true });
    const result = await verify(
      scope,
      challenge.id,
      alice.record,
      approve(alice, challenge.digest),
    );
    expect(result.stamp).not.toBeNull();
    expect(result.challenge.stampId).toBe(result.stamp!.id);
    expect(await storage.stamps.findById(result.stamp!.id)).toMatchObject({
      subjectId: challenge.id,
      method: 'device',
    });
    const [event] = await storage.events.list(scope, 1, { type: 'challenge.approved' });
    expect(event!.data).toMatchObject({ stampId: result.stamp!.id });
  });

  it('records a passkey approval as method passkey', async () => {
    const passkey = await pairDevice(storage, scope, 'usr_alice', clock.now(), {
      origin: WEB_ORIGIN,
      state: createAuthenticator(),
    });
    const challenge = await newChallenge();
    const result = await verify(
      scope,
      challenge.id,
      passkey.record,
      approve(passkey, challenge.digest, { origin: WEB_ORIGIN }),
    );
    expect(result.challenge).toMatchObject({ status: 'approved', method: 'passkey' });
    expect(await storage.usage.findBySubject(scope, challenge.id)).toMatchObject({
      method: 'passkey',
    });
  });

  it('still accepts an answer one millisecond before expiry', async () => {
    const challenge = await newChallenge({ expiresIn: 10 });
    clock.set(challenge.expiresAt - 1);
    const result = await verify(
      scope,
      challenge.id,
      alice.record,
      approve(alice, challenge.digest),
    );
    expect(result.challenge.status).toBe('approved');
  });
});

describe('verifyChallenge: concurrent verifies', () => {
  it('lets exactly one of two identical verifies win, without disabling the device', async () => {
    const challenge = await newChallenge();
    const attestation = approve(alice, challenge.digest);
    const outcomes = await Promise.allSettled([
      verify(scope, challenge.id, alice.record, attestation),
      verify(scope, challenge.id, alice.record, attestation),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const [lost] = outcomes.filter((o) => o.status === 'rejected');
    expect((lost as PromiseRejectedResult).reason).toMatchObject({
      code: 'challenge_already_used',
    });
    expect(await storage.events.list(scope, 100, { type: 'challenge.approved' })).toHaveLength(1);
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(1);
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      signCount: 1,
      disabledAt: null,
    });
  });

  it('answers a duplicate that read the challenge before the winner committed with challenge_already_used, not clone detection', async () => {
    const challenge = await newChallenge();
    const attestation = approve(alice, challenge.digest);
    // The duplicate reads the pending challenge, then waits; the winner commits; then the duplicate
    // reads the device, whose counter now equals the one it carries.
    let reachedDevice!: () => void;
    const atDevice = new Promise<void>((resolve) => (reachedDevice = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const devices = Object.assign(Object.create(storage.devices) as Storage['devices'], {
      find: async (at: Scope, id: string) => {
        reachedDevice();
        await released;
        return storage.devices.find(at, id);
      },
    });
    const duplicate = verifyChallenge(
      scope,
      challenge.id,
      { deviceId: alice.record.id, attestation },
      deps({ storage: { ...storage, devices } }),
    );
    await atDevice;
    await verify(scope, challenge.id, alice.record, attestation);
    release();

    await expectKeyraError(duplicate, 'challenge_already_used');
    expect(await storage.devices.find(scope, alice.record.id)).toMatchObject({
      signCount: 1,
      disabledAt: null,
    });
  });

  it('lets exactly one of two different answers win across two connections to one file', async () => {
    const file = await openTestStorage({ file: true });
    try {
      const main = file.storage;
      const at = await tenantScope(main, 'acme', clock.now());
      const device = await pairDevice(main, at, 'usr_alice', clock.now());
      const challenge = await createChallenge(
        at,
        { action: 'deploy.production', userId: 'usr_alice', audience: 'acme' },
        { storage: main, now: clock.now() },
      );
      const second = await openStorage(file.url);
      try {
        const approveIt = approve(device, challenge.digest);
        const rejectIt = reject(device, challenge.digest);
        const outcomes = await Promise.allSettled([
          verifyChallenge(
            at,
            challenge.id,
            { deviceId: device.record.id, attestation: approveIt },
            deps({ storage: main }),
          ),
          verifyChallenge(
            at,
            challenge.id,
            { deviceId: device.record.id, attestation: rejectIt },
            deps({ storage: second }),
          ),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        expect(won).toHaveLength(1);
        const [lost] = outcomes.filter((o) => o.status === 'rejected');
        expect((lost as PromiseRejectedResult).reason).toMatchObject({
          code: expect.stringMatching(/^(challenge_already_used|attestation_invalid)$/),
        });
        const decided = await main.challenges.find(at, challenge.id);
        const events = (await main.events.list(at, 100)).filter((e) =>
          e.type.startsWith('challenge.'),
        );
        expect(events.map((e) => e.type)).toEqual([`challenge.${decided!.status}`]);
        expect(await main.usage.meteredCount(at.tenantId)).toBe(
          decided!.status === 'approved' ? 1 : 0,
        );
        expect(await main.devices.find(at, device.record.id)).toMatchObject({ disabledAt: null });
      } finally {
        await second.close();
      }
    } finally {
      await file.close();
    }
  });
});

describe('pairing refuses untrusted attestation', () => {
  it.each([
    ['an unprovisioned simulator (self attestation)', () => createAuthenticator(), fixtureTrust()],
    ['a chain that does not lead to a trusted root', undefined, fixtureTrust(ATTESTATION_LEAF_PEM)],
  ] as const)('%s', async (_name, state, trust) => {
    const before = await storage.devices.list(scope, { includeRevoked: true });
    const events = await storage.events.list(scope, 100);
    await expectKeyraError(
      pairDevice(storage, scope, 'usr_mallory', clock.now(), {
        ...(state ? { state: state() } : {}),
        trust,
      }),
      'attestation_invalid',
    );
    expect(await storage.devices.list(scope, { includeRevoked: true })).toEqual(before);
    expect(await storage.events.list(scope, 100)).toEqual(events);
  });
});
