import { approveChallenge, rejectChallenge } from '@keyra/device';
import { openStorage } from '@keyra/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cancelChallenge,
  createChallenge,
  verifyChallenge,
  type ChallengeRecord,
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
let otherTenant: Scope;
let alice: PairedDevice;
let proofs: Awaited<ReturnType<typeof proofDeps>>;

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantScope(db.storage, 'acme', clock.now());
  otherTenant = await tenantScope(db.storage, 'globex', clock.now());
  alice = await pairDevice(storage, scope, 'usr_alice', clock.now());
  proofs = await proofDeps(clock.now());
});
afterEach(async () => db.close());

const newChallenge = (at: Scope = scope, on: Storage = storage): Promise<ChallengeRecord> =>
  createChallenge(
    at,
    {
      action: 'transfer.approve',
      userId: 'usr_alice',
      payload: { amount: 1 },
      expiresIn: 60,
      audience: 'acme',
    },
    { storage: on, now: clock.now() },
  );

const cancel = (at: Scope, id: string, on: Storage = storage): Promise<ChallengeRecord> =>
  cancelChallenge(at, id, { storage: on, now: clock.now() });

function verifyDeps(on: Storage = storage) {
  return {
    storage: on,
    rp: RP,
    trust: fixtureTrust(),
    signer: proofs.signer,
    stamps: proofs.stamps,
    now: clock.now(),
  };
}

async function written(at: Scope, id: string) {
  return {
    challenge: await storage.challenges.find(at, id),
    events: await storage.events.list(at, 100),
    deliveries: await storage.webhookDeliveries.countByStatus(at),
  };
}

describe('cancelChallenge', () => {
  it('cancels a pending challenge once, with one challenge.canceled event for the webhooks', async () => {
    await storage.webhookEndpoints.insert({
      id: 'we_0000000000000000000001',
      tenantId: scope.tenantId,
      environment: scope.environment,
      url: 'https://hooks.example.com/',
      description: null,
      events: ['challenge.canceled'],
      enabled: true,
      sealedSecret: 'v1.x.y',
      sealedPreviousSecret: null,
      previousSecretExpiresAt: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
      failingSince: null,
      disabledReason: null,
      deletedAt: null,
    });
    const challenge = await newChallenge();
    clock.advance(2_000);
    const canceled = await cancel(scope, challenge.id);
    expect(canceled).toMatchObject({
      id: challenge.id,
      status: 'canceled',
      decidedAt: clock.now(),
    });
    expect(await storage.challenges.find(scope, challenge.id)).toEqual(canceled);
    const events = await storage.events.list(scope, 100, { type: 'challenge.canceled' });
    expect(events.map((event) => event.data)).toEqual([
      {
        challengeId: challenge.id,
        action: 'transfer.approve',
        userId: 'usr_alice',
        canceledAt: '2027-01-15T09:00:02Z',
        metadata: {},
      },
    ]);

    // The outbox holds one delivery of it for the subscribed endpoint.
    const due = await storage.webhookDeliveries.claimDue(clock.now(), 10, 60_000);
    expect(due.map((d) => [d.eventId, d.endpointId])).toEqual([
      [events[0]!.id, 'we_0000000000000000000001'],
    ]);

    // A retried cancel answers the same record and writes nothing.
    clock.advance(1_000);
    const before = await written(scope, challenge.id);
    expect(await cancel(scope, challenge.id)).toEqual(canceled);
    expect(await written(scope, challenge.id)).toEqual(before);
  });

  it('refuses a decided or expired challenge with its status, and writes nothing', async () => {
    const approved = await newChallenge();
    const signed = approveChallenge(alice.state, { digestHex: approved.digest, rpId: RP.id });
    alice.state = signed.state;
    await verifyChallenge(
      scope,
      approved.id,
      { deviceId: alice.record.id, attestation: signed.response },
      verifyDeps(),
    );
    const expired = await newChallenge();
    clock.advance(60_000);

    for (const [id, status] of [
      [approved.id, 'approved'],
      [expired.id, 'expired'],
    ] as const) {
      const before = await written(scope, id);
      const error = await expectKeyraError(cancel(scope, id), 'challenge_not_cancelable');
      expect(error.status).toBe(409);
      expect(error.details).toEqual({ status });
      expect(await written(scope, id)).toEqual(before);
    }
  });

  it("cannot see or cancel another tenant's or environment's challenge", async () => {
    const challenge = await newChallenge();
    const before = await written(scope, challenge.id);
    await expectKeyraError(cancel(otherTenant, challenge.id), 'challenge_not_found');
    await expectKeyraError(
      cancel({ tenantId: scope.tenantId, environment: 'production' }, challenge.id),
      'challenge_not_found',
    );
    await expectKeyraError(cancel(scope, 'chl_doesnotexist0000'), 'challenge_not_found');
    expect(await written(scope, challenge.id)).toEqual(before);
  });

  it('a device answer after the cancel is refused with challenge_canceled', async () => {
    const challenge = await newChallenge();
    const signed = rejectChallenge(alice.state, { digestHex: challenge.digest, rpId: RP.id });
    await cancel(scope, challenge.id);
    await expectKeyraError(
      verifyChallenge(
        scope,
        challenge.id,
        { deviceId: alice.record.id, attestation: signed.response },
        verifyDeps(),
      ),
      'challenge_canceled',
    );
  });

  it('a cancel racing a verify over two connections: exactly one wins, with its one event', async () => {
    const file = await openTestStorage({ file: true });
    try {
      const main = file.storage;
      const at = await tenantScope(main, 'acme', clock.now());
      const device = await pairDevice(main, at, 'usr_alice', clock.now());
      const second = await openStorage(file.url);
      try {
        for (let round = 0; round < 6; round++) {
          const challenge = await newChallenge(at, main);
          const signed = approveChallenge(device.state, {
            digestHex: challenge.digest,
            rpId: RP.id,
          });
          device.state = signed.state;
          const racers = [
            verifyChallenge(
              at,
              challenge.id,
              { deviceId: device.record.id, attestation: signed.response },
              verifyDeps(round % 2 ? main : second),
            ),
            cancel(at, challenge.id, round % 2 ? second : main),
          ];
          const outcomes = await Promise.allSettled(round % 3 ? racers : racers.reverse());
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
          const [lost] = outcomes.filter((o) => o.status === 'rejected');
          expect((lost as PromiseRejectedResult).reason).toMatchObject({
            code: expect.stringMatching(/^(challenge_canceled|challenge_not_cancelable)$/),
          });
          const final = await main.challenges.find(at, challenge.id);
          const events = (await main.events.list(at, 100)).filter(
            (e) => e.type.startsWith('challenge.') && e.data.challengeId === challenge.id,
          );
          expect(events.map((e) => e.type)).toEqual([`challenge.${final!.status}`]);
        }
      } finally {
        await second.close();
      }
    } finally {
      await file.close();
    }
  });
});
