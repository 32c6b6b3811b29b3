import type {
  CeremonyRecord,
  ChallengeRecord,
  ClaimIdempotencyInput,
  DeviceRecord,
  PolicyRecord,
  Scope,
  Storage,
  WebhookEndpointRecord,
} from '@keyra/core';
import { appendAudit } from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage } from '../src/index.js';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const DAY = new Date(T0).toISOString().slice(0, 10);

/** Every row below belongs to this scope. */
const OWNER: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
/** Scopes that own none of OWNER's rows: another tenant, and OWNER's tenant in the other environment. */
const FOREIGN: readonly Scope[] = [
  { tenantId: 'tnt_b', environment: 'sandbox' },
  { tenantId: 'tnt_a', environment: 'production' },
];

type Stores = Omit<Storage, 'kind' | 'transaction' | 'ping' | 'close' | 'watchDeliveries'>;
type MethodOf<S extends keyof Stores> = keyof Stores[S] & string;

/** `store.method` for every method of the Storage port. */
type StoreMethod = { [S in keyof Stores]: `${S}.${MethodOf<S>}` }[keyof Stores];

/** Whether one of the parameters accepts any Scope, on its own or as `input.scope`. */
type TakesScope<F> = F extends (...args: infer P) => unknown
  ? true extends {
      [I in keyof P]: Scope extends P[I] ? true : P[I] extends { scope: Scope } ? true : false;
    }[number]
    ? true
    : false
  : false;

/** `store.method` for every method of the port that takes a Scope. */
type ScopedMethod = {
  [S in keyof Stores]: {
    [M in MethodOf<S>]: TakesScope<Stores[S][M]> extends true ? `${S}.${M}` : never;
  }[MethodOf<S>];
}[keyof Stores];

interface ForeignScopeCase {
  /** Writes, in OWNER's scope, the rows the method could reach. */
  seed(storage: DatabaseStorage): Promise<void>;
  /** Calls the method in `scope`; returns what it found (or, for a write, what it did). */
  call(storage: DatabaseStorage, scope: Scope): Promise<unknown>;
  /** What a foreign scope gets: nothing found, nothing done. */
  nothing: unknown;
  /** What OWNER gets afterwards, which also shows that the foreign calls changed nothing. */
  found: unknown;
  /** For a write: OWNER's rows it could change, read back; foreign calls must leave them as they were. */
  owned?(storage: DatabaseStorage): Promise<unknown>;
}

function challenge(): ChallengeRecord {
  return {
    id: 'ch_1',
    ...OWNER,
    action: 'payment.approve',
    userId: 'user_1',
    payload: { amount: 4200 },
    digest: 'ab'.repeat(32),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 5 * MINUTE,
    decidedAt: null,
    deviceId: null,
    method: null,
    proof: null,
    stampRequested: false,
    stampId: null,
    audience: 'payments-api',
    metadata: {},
  };
}

function device(): DeviceRecord {
  return {
    id: 'dev_1',
    ...OWNER,
    userId: 'user_1',
    kind: 'keyra_one',
    name: 'KEYRA ONE',
    credentialId: 'cred_1',
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
  };
}

function ceremony(): CeremonyRecord {
  return {
    challenge: 'Y2hhbGxlbmdl',
    ...OWNER,
    userId: 'user_1',
    kind: 'registration',
    createdAt: T0,
    expiresAt: T0 + MINUTE,
    usedAt: null,
  };
}

function endpoint(): WebhookEndpointRecord {
  return {
    id: 'we_1',
    ...OWNER,
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
  };
}

const seedChallenge = (s: DatabaseStorage): Promise<void> => s.challenges.insert(challenge());
const seedCibaRequest = async (s: DatabaseStorage): Promise<void> => {
  await seedChallenge(s);
  await s.oauthClients.insert({
    id: 'cli_1',
    ...OWNER,
    name: 'Agent',
    secretHash: 'ab'.repeat(32),
    deliveryMode: 'poll',
    notifyUrl: null,
    createdAt: T0,
    revokedAt: null,
  });
  await s.cibaRequests.insert({
    handleHash: 'h1',
    ...OWNER,
    challengeId: 'ch_1',
    clientId: 'cli_1',
    scope: 'openid',
    sealedNotificationToken: null,
    sealedAuthReqId: null,
    intervalSeconds: 5,
    lastPolledAt: null,
    tokensIssuedAt: null,
    createdAt: T0,
    expiresAt: T0 + MINUTE,
  });
};
const seedDevice = (s: DatabaseStorage): Promise<void> => s.devices.insert(device());
const ownedChallenge = (s: DatabaseStorage): Promise<unknown> => s.challenges.find(OWNER, 'ch_1');
/** A quorum challenge ch_q (user_1 or user_2, one of them) in OWNER's scope. */
const seedQuorumChallenge = (s: DatabaseStorage): Promise<void> =>
  s.challenges.insert({
    ...challenge(),
    id: 'ch_q',
    userId: null,
    quorum: { approvers: ['user_1', 'user_2'], quorum: 1, rejectOn: 'any', votes: [] },
  });
const ownedQuorumChallenge = (s: DatabaseStorage): Promise<unknown> =>
  s.challenges.find(OWNER, 'ch_q');
const ownedDevice = (s: DatabaseStorage): Promise<unknown> => s.devices.find(OWNER, 'dev_1');
const ownedEndpoint = (s: DatabaseStorage): Promise<unknown> =>
  s.webhookEndpoints.find(OWNER, 'we_1');

async function seedEvent(s: DatabaseStorage): Promise<void> {
  await s.events.insert({
    id: 'evt_1',
    ...OWNER,
    type: 'challenge.approved',
    data: {},
    createdAt: T0,
  });
}

async function seedDelivery(s: DatabaseStorage): Promise<void> {
  await seedEvent(s);
  await s.webhookEndpoints.insert(endpoint());
  await s.webhookDeliveries.insertMany([
    {
      id: 'wd_1',
      ...OWNER,
      eventId: 'evt_1',
      endpointId: 'we_1',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0,
      leaseUntil: null,
      lastStatusCode: null,
      createdAt: T0,
      deliveredAt: null,
    },
  ]);
  await s.webhookDeliveries.recordAttempt({
    id: 'wa_1',
    deliveryId: 'wd_1',
    ...OWNER,
    endpointId: 'we_1',
    eventId: 'evt_1',
    attempt: 1,
    startedAt: T0,
    statusCode: 500,
    latencyMs: 12,
    responseExcerpt: null,
    error: null,
  });
}

async function seedPhrase(s: DatabaseStorage): Promise<void> {
  await s.voice.insertPhrase({
    id: 'vp_1',
    ...OWNER,
    wallet: 'w1',
    prompt: 'blue river seven forty',
    createdAt: T0,
    expiresAt: T0 + 2 * MINUTE,
    usedAt: null,
    attempts: 0,
  });
}

async function seedUsage(s: DatabaseStorage): Promise<void> {
  await s.usage.record({
    id: 'use_1',
    ...OWNER,
    subjectId: 'ch_1',
    method: 'device',
    day: DAY,
    createdAt: T0,
  });
}

function claimInput(scope: Scope): ClaimIdempotencyInput {
  return {
    scope,
    key: 'idem_1',
    fingerprint: 'fp_1',
    method: 'POST',
    path: '/v1/challenges',
    now: T0,
    retentionMs: 24 * 60 * MINUTE,
    lockMs: MINUTE,
  };
}
/** The token of OWNER's seeded claim (its `locked_until`). */
const CLAIM_TOKEN = T0 + MINUTE;
const seedClaim = async (s: DatabaseStorage): Promise<void> => {
  await s.idempotency.claim(claimInput(OWNER));
};
/** What OWNER's key looks like now: in_progress (as seeded), completed, or claimed (released). */
const ownerClaim = async (s: DatabaseStorage): Promise<string> =>
  (await s.idempotency.claim(claimInput(OWNER))).outcome;

const ids = (rows: { id: string }[]): string[] => rows.map((row) => row.id);

function policy(version = 1): PolicyRecord {
  return {
    id: 'pol_1',
    ...OWNER,
    name: 'big wires',
    description: null,
    priority: 100,
    version,
    match: { action: 'wire.*', conditions: [] },
    require: { quorum: 2 },
    createdAt: T0,
    updatedAt: T0,
    deletedAt: null,
  };
}
const seedPolicy = (s: DatabaseStorage): Promise<void> => s.policies.create(policy());
const ownedPolicy = async (s: DatabaseStorage): Promise<unknown> => s.policies.find(OWNER, 'pol_1');
const seedGroup = async (s: DatabaseStorage): Promise<void> => {
  await s.approverGroups.put({
    ...OWNER,
    name: 'finance',
    members: ['usr_a'],
    createdAt: T0,
    updatedAt: T0,
  });
};

/** One case per method of the port that takes a Scope: the compiler insists on each. */
const CASES: Record<ScopedMethod, ForeignScopeCase> = {
  'audit.list': {
    seed: async (s) => {
      await appendAudit(s, OWNER, { type: 'challenge.created', subject: 'ch_1' }, T0);
    },
    call: async (s, scope) =>
      (await s.audit.list(scope.tenantId, { environment: scope.environment }, 10)).map(
        (entry) => entry.subject,
      ),
    nothing: [],
    found: ['ch_1'],
  },
  'challenges.find': {
    seed: seedChallenge,
    call: async (s, scope) => (await s.challenges.find(scope, 'ch_1'))?.id ?? null,
    nothing: null,
    found: 'ch_1',
  },
  'cibaRequests.findByChallenge': {
    seed: seedCibaRequest,
    call: async (s, scope) =>
      (await s.cibaRequests.findByChallenge(scope, 'ch_1'))?.challengeId ?? null,
    nothing: null,
    found: 'ch_1',
  },
  'challenges.list': {
    seed: seedChallenge,
    call: async (s, scope) => ids(await s.challenges.list(scope, {}, 10)),
    nothing: [],
    found: ['ch_1'],
  },
  'challenges.decide': {
    seed: seedChallenge,
    call: async (s, scope) =>
      (await s.challenges.decide(scope, 'ch_1', 'approved', T0 + 1))?.status ?? null,
    nothing: null,
    found: 'approved',
    owned: ownedChallenge,
  },
  'challenges.listPendingFor': {
    seed: seedQuorumChallenge,
    call: async (s, scope) =>
      ids(await s.challenges.listPendingFor(scope, 'user_2', T0, 10)).join(',') || null,
    nothing: null,
    found: 'ch_q',
  },
  'challenges.vote': {
    seed: seedQuorumChallenge,
    call: async (s, scope) =>
      (
        await s.challenges.vote(
          scope,
          'ch_q',
          {
            userId: 'user_2',
            decision: 'approved',
            deviceId: 'dev_2',
            method: 'device',
            decidedAt: T0 + 1,
          },
          T0 + 1,
        )
      ).outcome,
    nothing: 'closed',
    found: 'recorded',
    owned: ownedQuorumChallenge,
  },
  'challenges.cancel': {
    seed: seedChallenge,
    call: async (s, scope) => (await s.challenges.cancel(scope, 'ch_1', T0 + 1))?.status ?? null,
    nothing: null,
    found: 'canceled',
    owned: ownedChallenge,
  },
  'challenges.markShown': {
    seed: seedChallenge,
    call: async (s, scope) => s.challenges.markShown(scope, ['ch_1'], T0 + 1),
    nothing: 0,
    found: 1,
    owned: ownedChallenge,
  },
  'idempotency.claim': {
    seed: seedClaim,
    // A foreign scope does not see OWNER's claim: it claims a key of its own.
    call: async (s, scope) => (await s.idempotency.claim(claimInput(scope))).outcome,
    nothing: 'claimed',
    found: 'in_progress',
  },
  'idempotency.complete': {
    seed: seedClaim,
    call: async (s, scope) => {
      await s.idempotency.complete(scope, 'idem_1', CLAIM_TOKEN, 200, '{}');
      return ownerClaim(s);
    },
    nothing: 'in_progress',
    found: 'completed',
  },
  'idempotency.release': {
    seed: seedClaim,
    call: async (s, scope) => {
      await s.idempotency.release(scope, 'idem_1', CLAIM_TOKEN);
      return ownerClaim(s);
    },
    nothing: 'in_progress',
    found: 'claimed',
  },
  'devices.find': {
    seed: seedDevice,
    call: async (s, scope) => (await s.devices.find(scope, 'dev_1'))?.id ?? null,
    nothing: null,
    found: 'dev_1',
  },
  'devices.findByCredentialId': {
    seed: seedDevice,
    call: async (s, scope) => (await s.devices.findByCredentialId(scope, 'cred_1'))?.id ?? null,
    nothing: null,
    found: 'dev_1',
  },
  'devices.list': {
    seed: seedDevice,
    call: async (s, scope) => ids(await s.devices.list(scope, { includeRevoked: true })),
    nothing: [],
    found: ['dev_1'],
  },
  'devices.rename': {
    seed: seedDevice,
    call: async (s, scope) => (await s.devices.rename(scope, 'dev_1', 'Renamed'))?.name ?? null,
    nothing: null,
    found: 'Renamed',
    owned: ownedDevice,
  },
  'devices.revoke': {
    seed: seedDevice,
    call: async (s, scope) => (await s.devices.revoke(scope, 'dev_1', T0 + 1))?.revokedAt ?? null,
    nothing: null,
    found: T0 + 1,
    owned: ownedDevice,
  },
  'devices.recordUse': {
    seed: seedDevice,
    call: (s, scope) => s.devices.recordUse(scope, 'dev_1', 0, 1, T0 + 1),
    nothing: false,
    found: true,
    owned: ownedDevice,
  },
  'devices.disable': {
    seed: seedDevice,
    call: async (s, scope) => {
      await s.devices.disable(scope, 'dev_1', 'counter_regression', T0 + 1);
      return (await s.devices.find(OWNER, 'dev_1'))?.disabledAt ?? null;
    },
    nothing: null,
    found: T0 + 1,
  },
  'ceremonies.consume': {
    seed: (s) => s.ceremonies.insert(ceremony()),
    call: async (s, scope) =>
      (await s.ceremonies.consume(scope, 'Y2hhbGxlbmdl', 'registration', T0))?.usedAt ?? null,
    nothing: null,
    found: T0,
  },
  'events.find': {
    seed: seedEvent,
    call: async (s, scope) => (await s.events.find(scope, 'evt_1'))?.id ?? null,
    nothing: null,
    found: 'evt_1',
  },
  'events.list': {
    seed: seedEvent,
    call: async (s, scope) => ids(await s.events.list(scope, 10)),
    nothing: [],
    found: ['evt_1'],
  },
  'webhookEndpoints.find': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: async (s, scope) => (await s.webhookEndpoints.find(scope, 'we_1'))?.id ?? null,
    nothing: null,
    found: 'we_1',
  },
  'webhookEndpoints.list': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: async (s, scope) => ids(await s.webhookEndpoints.list(scope)),
    nothing: [],
    found: ['we_1'],
  },
  'webhookEndpoints.listSubscribed': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: async (s, scope) =>
      ids(await s.webhookEndpoints.listSubscribed(scope, 'challenge.approved')),
    nothing: [],
    found: ['we_1'],
  },
  'webhookEndpoints.update': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: async (s, scope) =>
      (await s.webhookEndpoints.update(scope, 'we_1', { description: 'changed' }, T0 + 1))
        ?.description ?? null,
    nothing: null,
    found: 'changed',
    owned: ownedEndpoint,
  },
  'webhookEndpoints.rotateSecret': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: async (s, scope) =>
      (await s.webhookEndpoints.rotateSecret(scope, 'we_1', 'v1.c.d', 'v1.a.b', T0 + 2, T0 + 1))
        ?.sealedSecret ?? null,
    nothing: null,
    found: 'v1.c.d',
    owned: ownedEndpoint,
  },
  'policies.update': {
    seed: seedPolicy,
    call: async (s, scope) => (await s.policies.update(scope, policy(2)))?.version ?? null,
    nothing: null,
    found: 2,
    owned: ownedPolicy,
  },
  'policies.delete': {
    seed: seedPolicy,
    call: async (s, scope) => (await s.policies.delete(scope, 'pol_1', T0 + 1))?.id ?? null,
    nothing: null,
    found: 'pol_1',
    owned: ownedPolicy,
  },
  'policies.find': {
    seed: seedPolicy,
    call: async (s, scope) => (await s.policies.find(scope, 'pol_1', 1))?.id ?? null,
    nothing: null,
    found: 'pol_1',
  },
  'policies.list': {
    seed: seedPolicy,
    call: async (s, scope) => ids(await s.policies.list(scope, 10)),
    nothing: [],
    found: ['pol_1'],
  },
  'policies.listActive': {
    seed: seedPolicy,
    call: async (s, scope) => ids(await s.policies.listActive(scope)),
    nothing: [],
    found: ['pol_1'],
  },
  'approverGroups.find': {
    seed: seedGroup,
    call: async (s, scope) => (await s.approverGroups.find(scope, 'finance'))?.members ?? null,
    nothing: null,
    found: ['usr_a'],
  },
  'approverGroups.list': {
    seed: seedGroup,
    call: async (s, scope) => (await s.approverGroups.list(scope)).map((g) => g.name),
    nothing: [],
    found: ['finance'],
  },
  'approverGroups.delete': {
    seed: seedGroup,
    call: (s, scope) => s.approverGroups.delete(scope, 'finance'),
    nothing: false,
    found: true,
    owned: (s) => s.approverGroups.find(OWNER, 'finance'),
  },
  'webhookEndpoints.delete': {
    seed: (s) => s.webhookEndpoints.insert(endpoint()),
    call: (s, scope) => s.webhookEndpoints.delete(scope, 'we_1', T0 + 1),
    nothing: false,
    found: true,
    owned: ownedEndpoint,
  },
  'webhookDeliveries.listAttempts': {
    seed: seedDelivery,
    call: async (s, scope) => ids(await s.webhookDeliveries.listAttempts(scope, 'we_1', 10)),
    nothing: [],
    found: ['wa_1'],
  },
  'webhookDeliveries.listEventAttempts': {
    seed: seedDelivery,
    call: async (s, scope) => ids(await s.webhookDeliveries.listEventAttempts(scope, 'evt_1', 10)),
    nothing: [],
    found: ['wa_1'],
  },
  'webhookDeliveries.countByStatus': {
    seed: seedDelivery,
    call: (s, scope) => s.webhookDeliveries.countByStatus(scope),
    nothing: { pending: 0, delivered: 0, failed: 0 },
    found: { pending: 1, delivered: 0, failed: 0 },
  },
  'voice.recentPrompts': {
    seed: seedPhrase,
    call: (s, scope) => s.voice.recentPrompts(scope, 'w1', 0),
    nothing: [],
    found: ['blue river seven forty'],
  },
  'voice.beginAttempt': {
    seed: seedPhrase,
    call: async (s, scope) => {
      const attempt = await s.voice.beginAttempt(scope, 'vp_1', 'w1', T0 + 1, 5);
      return typeof attempt === 'string' ? attempt : attempt.attempts;
    },
    nothing: 'missing',
    found: 1,
  },
  'voice.consumePhrase': {
    seed: seedPhrase,
    call: (s, scope) => s.voice.consumePhrase(scope, 'vp_1', T0 + 1),
    nothing: false,
    found: true,
  },
  'voice.findTemplate': {
    seed: async (s) => {
      await s.voice.upsertTemplate({
        ...OWNER,
        wallet: 'w1',
        projectionId: 'p0',
        paramsVersion: 'v1',
        modelVersion: 'classical-mfcc-gmm-v1-test',
        template: Float32Array.from([0.25, -0.5]),
        cohortMean: 0.1,
        cohortSd: 0.05,
        createdAt: T0,
        updatedAt: T0,
      });
    },
    call: async (s, scope) => (await s.voice.findTemplate(scope, 'w1'))?.projectionId ?? null,
    nothing: null,
    found: 'p0',
  },
  'voice.findLegacyHash': {
    seed: async (s) => {
      await s.voice.upsertLegacyHash({
        ...OWNER,
        wallet: 'w1',
        keyedHash: 'aa'.repeat(32),
        createdAt: T0,
        updatedAt: T0,
      });
    },
    call: async (s, scope) => (await s.voice.findLegacyHash(scope, 'w1'))?.keyedHash ?? null,
    nothing: null,
    found: 'aa'.repeat(32),
  },
  'voice.recentFingerprints': {
    seed: (s) =>
      s.voice.insertFingerprint({
        id: 'vf_1',
        ...OWNER,
        wallet: 'w1',
        source: 'enroll',
        phraseId: null,
        bytesSha256: '0'.repeat(64),
        fingerprint: Uint16Array.from([1, 2, 3]),
        createdAt: T0,
      }),
    call: async (s, scope) => ids(await s.voice.recentFingerprints(scope, 'w1', 10)),
    nothing: [],
    found: ['vf_1'],
  },
  'voice.listVerifyLogs': {
    seed: (s) =>
      s.voice.insertVerifyLog({
        id: 'vl_1',
        ...OWNER,
        wallet: 'w1',
        phraseId: null,
        method: 'voice',
        verified: false,
        status: 200,
        errorCode: null,
        phrasePassed: true,
        speakerPassed: false,
        speakerScore: -1.25,
        speakerThreshold: 2.435,
        replayPassed: true,
        qualityPassed: null,
        speechSec: 1.5,
        audioSec: 2.25,
        gateMeasures: null,
        latencyMs: 120,
        createdAt: T0,
      }),
    call: async (s, scope) => ids(await s.voice.listVerifyLogs(scope, {}, 10)),
    nothing: [],
    found: ['vl_1'],
  },
  'usage.buckets': {
    seed: seedUsage,
    call: async (s, scope) => (await s.usage.buckets(scope, DAY, DAY)).map((b) => b.count),
    nothing: [],
    found: [1],
  },
  'usage.findBySubject': {
    seed: seedUsage,
    call: async (s, scope) => (await s.usage.findBySubject(scope, 'ch_1'))?.subjectId ?? null,
    nothing: null,
    found: 'ch_1',
  },
};

const WRITES_OWN_SCOPE = 'writes a record that carries its own tenant and environment';
const SERVER_WIDE = 'server-wide, across tenants';
const CONSOLE_TENANT =
  'console users belong to a tenant, across both environments: by tenant id (isolation tested in the console contract)';

/** Every other method of the port, and why it takes no Scope: the compiler insists on each. */
const UNSCOPED: Record<Exclude<StoreMethod, ScopedMethod>, string> = {
  'tenants.create': 'tenants are what scopes belong to',
  'tenants.findById': 'tenants are what scopes belong to',
  'tenants.findByName': 'tenants are what scopes belong to',
  'tenants.count': 'tenants are what scopes belong to',
  'tenants.list': 'tenants are what scopes belong to',
  'tenants.setPlan': 'tenants are what scopes belong to',
  'apiKeys.insert': WRITES_OWN_SCOPE,
  'apiKeys.findByHash': 'authentication: the key yields the scope',
  'apiKeys.findById': 'operator CLI, by id',
  'apiKeys.listForTenant': "by tenant id, optionally one environment (see 'api keys')",
  'apiKeys.rotate': 'the replacement must share the old key’s scope (see the api keys contract)',
  'apiKeys.revoke': 'operator CLI, by id',
  'apiKeys.markUsed': 'after authentication, by the id the key itself yielded',
  'challenges.insert': WRITES_OWN_SCOPE,
  'challenges.expireDue': SERVER_WIDE,
  'challenges.expiryBatch': 'a constant of the store, not a method',
  'idempotency.purgeCreatedBefore': SERVER_WIDE,
  'devices.insert': WRITES_OWN_SCOPE,
  'devices.locate': 'device API: the device authenticates itself and its record gives the scope',
  'ceremonies.insert': WRITES_OWN_SCOPE,
  'ceremonies.purgeExpiredBefore': SERVER_WIDE,
  'events.insert': WRITES_OWN_SCOPE,
  'events.insertRouted':
    'the event carries its own tenant and environment, and is routed within them (CIBA contract)',
  'webhookEndpoints.insert': WRITES_OWN_SCOPE,
  'webhookEndpoints.recordOutcome': 'webhook worker, by the id of a leased delivery’s endpoint',
  'webhookEndpoints.disable': 'webhook worker, by the id of a leased delivery’s endpoint',
  'webhookDeliveries.insertMany': WRITES_OWN_SCOPE,
  'webhookDeliveries.claimDue': SERVER_WIDE,
  'webhookDeliveries.claimDueWithTargets': SERVER_WIDE,
  'webhookDeliveries.countPending': 'backlog metric, server-wide',
  'webhookDeliveries.complete': 'webhook worker, by the id of a leased delivery',
  'webhookDeliveries.recordAttempt': WRITES_OWN_SCOPE,
  'webhookDeliveries.recordOutcomes':
    'webhook worker: each attempt carries its scope; by the ids of leased deliveries',
  'signingKeys.insert': SERVER_WIDE,
  'signingKeys.listAll': SERVER_WIDE,
  'signingKeys.retireAllExcept': SERVER_WIDE,
  'serverState.get': SERVER_WIDE,
  'serverState.putIfAbsent': SERVER_WIDE,
  'voice.insertPhrase': WRITES_OWN_SCOPE,
  'voice.upsertTemplate': WRITES_OWN_SCOPE,
  'voice.upsertLegacyHash': WRITES_OWN_SCOPE,
  'voice.insertFingerprint': WRITES_OWN_SCOPE,
  'voice.insertVerifyLog': WRITES_OWN_SCOPE,
  'stamps.insert': WRITES_OWN_SCOPE,
  'stamps.findById': 'stamps are public receipts',
  'stamps.claimChainDue': SERVER_WIDE,
  'stamps.countChainPending': 'backlog metric, server-wide',
  'stamps.recordChainSubmission': 'stamp mirror worker, by the id of a leased stamp',
  'stamps.completeChain': 'stamp mirror worker, by the id of a leased stamp',
  'usage.record': WRITES_OWN_SCOPE,
  'oauthClients.insert': WRITES_OWN_SCOPE,
  'oauthClients.locate':
    'token endpoint: the client authenticates itself and its record gives the scope',
  'oauthClients.listForTenant': 'operator CLI, by tenant id, optionally one environment',
  'oauthClients.revoke': 'operator CLI, by id',
  'cibaRequests.insert': WRITES_OWN_SCOPE,
  'cibaRequests.findByHandle':
    'token endpoint: the auth_req_id (a bearer handle) finds it; the verb checks the client owns it',
  'cibaRequests.recordPoll': 'token endpoint, by the handle of a request its client owns',
  'cibaRequests.markTokensIssued': 'token endpoint, by the handle of a request its client owns',
  'usage.meteredCount': 'credits are counted per tenant, across environments',
  'audit.append': 'the chain is per tenant; the entry carries its own environment',
  'audit.head': 'the chain is per tenant, across environments',
  'audit.tenantsWithChains': SERVER_WIDE,
  'audit.sealPending': SERVER_WIDE,
  'usage.billPending': SERVER_WIDE,
  'audit.insertCheckpoint': 'a checkpoint carries its own tenant',
  'audit.listCheckpoints': 'checkpoints sign a tenant’s whole chain, across environments',
  'console.insertInvite': WRITES_OWN_SCOPE,
  'console.insertUser': WRITES_OWN_SCOPE,
  'console.insertPasskey': WRITES_OWN_SCOPE,
  'console.insertSession': WRITES_OWN_SCOPE,
  'console.recordAction': WRITES_OWN_SCOPE,
  'console.findUser': CONSOLE_TENANT,
  'console.findUserByEmail': CONSOLE_TENANT,
  'console.listUsers': CONSOLE_TENANT,
  'console.setRole': CONSOLE_TENANT,
  'console.disableUser': CONSOLE_TENANT,
  'console.revokeUserSessions': CONSOLE_TENANT,
  'console.listSessions': CONSOLE_TENANT,
  'console.listActions': CONSOLE_TENANT,
  'console.findInviteByHash':
    'invite link: the token (a bearer secret) finds it and names the tenant',
  'console.useInvite': 'enrolment, by the id of an invite its token found',
  'console.findPasskey':
    'discoverable sign-in: the credential finds the passkey and its user gives the tenant',
  'console.recordPasskeyUse': 'sign-in, by the credential id of a passkey just verified',
  'console.purgeCeremoniesBefore': SERVER_WIDE,
  'console.insertCeremony': 'console WebAuthn ceremonies come before any tenant is known',
  'console.consumeCeremony': 'console WebAuthn ceremonies come before any tenant is known',
  'console.findSession': 'authentication: the session cookie (a bearer secret) yields the tenant',
  'console.touchSession': 'by the token hash of a session just resolved',
  'console.revokeSession': 'by the token hash of the signed-in session',
  'policies.create': WRITES_OWN_SCOPE,
  'approverGroups.put': WRITES_OWN_SCOPE,
};

/** The methods of the stores `storage` really has, as `store.method`. */
function storeMethods(storage: DatabaseStorage): string[] {
  return Object.entries(storage).flatMap(([store, value]: [string, unknown]) =>
    typeof value === 'object' && value !== null
      ? Object.keys(value).map((method) => `${store}.${method}`)
      : [],
  );
}

/**
 * Tenant isolation, method by method: rows seeded in one scope are invisible to another tenant
 * and to the same tenant's other environment, and writes from there change nothing. `setup` gives
 * a clean database with tenants tnt_a and tnt_b.
 */
export function foreignScopeContract(setup: () => Promise<{ storage: DatabaseStorage }>): void {
  it('has a case for every method that takes a Scope, and a reason for every other', async () => {
    const { storage } = await setup();
    expect(storeMethods(storage).sort()).toEqual(
      [...Object.keys(CASES), ...Object.keys(UNSCOPED)].sort(),
    );
  });

  for (const [method, { seed, call, nothing, found, owned }] of Object.entries(CASES)) {
    it(`${method} finds nothing from another tenant or environment`, async () => {
      const { storage } = await setup();
      await seed(storage);
      const before = await owned?.(storage);
      for (const scope of FOREIGN) {
        expect(await call(storage, scope), `${scope.tenantId} ${scope.environment}`).toEqual(
          nothing,
        );
      }
      expect(await owned?.(storage)).toEqual(before);
      expect(await call(storage, OWNER)).toEqual(found);
    });
  }
}
