import type { SigningKeyRecord } from './proofs/signingKeys.js';
import type {
  AuditCheckpointRecord,
  AuditDraft,
  AuditEntry,
  AuditHead,
} from './audit/auditRecords.js';
import type {
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookEndpointRecord,
} from './webhooks/webhookRecords.js';
import type { VoiceStore } from './voice/voiceRecords.js';
import type { ConsoleStore } from './console/consoleRecords.js';
import type { ApproverGroupStore, PolicyStore } from './policies/policyRecords.js';
import type { CibaRequestRecord, OAuthClientRecord } from './ciba/cibaRecords.js';
import type { ChainOutcome, StampRecord, UsageBucket, UsageRecord } from './stamps/stampRecords.js';
import type {
  ApprovalMethod,
  ChallengeVote,
  CeremonyRecord,
  DeviceRecord,
  EventRecord,
  ApiKeyRecord,
  ChallengeRecord,
  ChallengeStatus,
  EpochMs,
  IdempotencyRecord,
  Scope,
  Tenant,
  Environment,
  Plan,
} from './domain.js';

/** The clock seam: the only place the wall clock is read. */
export interface Clock {
  now(): EpochMs;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Filters for listing challenges. All optional; combined with AND. */
export interface ChallengeFilter {
  /**
   * The status a reader sees at `asOf`, when given: a pending challenge past its expiry counts as
   * `expired` (not `pending`) before the expiry sweep has written it down (`effectiveStatus`).
   * Without `asOf`, the stored status.
   */
  status?: ChallengeStatus;
  asOf?: EpochMs;
  userId?: string;
  action?: string;
  /** Inclusive lower bound on createdAt. */
  createdFrom?: EpochMs;
  /** Exclusive upper bound on createdAt. */
  createdTo?: EpochMs;
}

/** Keyset position: list items strictly after (older than) this one, newest first. */
export interface ChallengeCursor {
  createdAt: EpochMs;
  id: string;
}

export type IdempotencyClaim =
  /**
   * The caller now owns the key: run the request, then `complete` or `release` with `token`. The
   * token identifies this claim, so an owner whose lock expired and was taken over cannot
   * overwrite or drop the new owner's claim.
   */
  | { outcome: 'claimed'; token: number }
  /** A previous request finished: replay it (after checking the fingerprint). */
  | { outcome: 'completed'; record: IdempotencyRecord }
  /** Another request with this key is running right now. */
  | { outcome: 'in_progress'; record: IdempotencyRecord };

export interface ClaimIdempotencyInput {
  scope: Scope;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  now: EpochMs;
  /** Records older than `now - retentionMs` are treated as absent (and replaced). */
  retentionMs: number;
  /** How long an in-progress claim blocks others before it may be taken over. */
  lockMs: number;
}

export interface TenantStore {
  create(tenant: Tenant): Promise<void>;
  findById(id: string): Promise<Tenant | null>;
  findByName(name: string): Promise<Tenant | null>;
  count(): Promise<number>;
  /** Every tenant, oldest first. */
  list(): Promise<Tenant[]>;
  /** Returns the updated tenant, or null if there is none with this id. */
  setPlan(id: string, plan: Plan): Promise<Tenant | null>;
}

export interface ApiKeyStore {
  insert(key: ApiKeyRecord): Promise<void>;
  /** Looks a key up by the hash of its secret, whatever its state (the caller checks expiry/revocation). */
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** All keys of a tenant, newest first, optionally for one environment. */
  listForTenant(tenantId: string, environment?: Environment): Promise<ApiKeyRecord[]>;
  /**
   * Rotation: atomically inserts `replacement` (same tenant and environment) and sets the old key's `expiresAt` and `replacedBy`,
   * only if the old key is active at `now` (not revoked, not expired, not already replaced).
   * Returns false (and writes nothing) otherwise.
   */
  rotate(
    oldId: string,
    replacement: ApiKeyRecord,
    oldExpiresAt: EpochMs,
    now: EpochMs,
  ): Promise<boolean>;
  /** Sets revokedAt if not already revoked. Returns false if the key does not exist or was revoked. */
  revoke(id: string, now: EpochMs): Promise<boolean>;
  /**
   * Records that a request authenticated with the key at `now`, in one conditional write that does
   * nothing when the last use recorded is less than `everyMs` old. Returns whether it wrote.
   */
  markUsed(id: string, now: EpochMs, everyMs: number): Promise<boolean>;
}

export interface ChallengeStore {
  /**
   * Inserts the challenge (with its approvers) and, when `audit` is given, appends that entry with
   * it, all or nothing, in the caller's transaction or its own: on PostgreSQL a challenge without
   * approvers and its entry are one statement (`AuditStore.append` says how the entry is chained).
   * With `response`, the claimed Idempotency-Key's response is stored in the same write (what
   * `IdempotencyStore.complete` does, and like it only if the claim's token still owns the key):
   * the challenge and the answer a retry replays commit together.
   */
  insert(
    challenge: ChallengeRecord,
    audit?: AuditDraft,
    response?: IdempotentResponse,
  ): Promise<void>;
  find(scope: Scope, id: string): Promise<ChallengeRecord | null>;
  /**
   * Newest first (createdAt desc, id desc), at most `limit` rows after `after`. Filters on the
   * stored status: callers that filter by status sweep overdue challenges first.
   */
  list(
    scope: Scope,
    filter: ChallengeFilter,
    limit: number,
    after?: ChallengeCursor,
  ): Promise<ChallengeRecord[]>;
  /**
   * The single conditional write that decides a challenge: pending and `expiresAt > now` →
   * `status`, `decidedAt = now` (and the signer and proof when given). Exactly one caller wins across any number of processes;
   * returns the updated record for the winner and null for everyone else.
   */
  decide(
    scope: Scope,
    id: string,
    status: 'approved' | 'rejected',
    now: EpochMs,
    details?: ChallengeDecisionDetails,
  ): Promise<ChallengeRecord | null>;
  /**
   * The single conditional write that cancels a challenge: pending and `expiresAt > now` →
   * `canceled`, `decidedAt = now`. It races `decide` on the same condition, so of a cancel and any
   * number of verifies exactly one wins; returns the canceled record, or null when it lost (or the
   * challenge is not in `scope`).
   */
  cancel(scope: Scope, id: string, now: EpochMs): Promise<ChallengeRecord | null>;
  /**
   * Records that a device fetched these challenges, in one conditional write: only the pending,
   * unexpired ones in `scope` not marked before get `shownAt = now`, so the first fetch is kept. Returns how
   * many were marked.
   */
  markShown(scope: Scope, ids: readonly string[], now: EpochMs): Promise<number>;
  /**
   * Marks up to `limit` pending challenges with `expiresAt <= now` as expired (decidedAt = expiresAt)
   * and returns exactly the rows this call changed. Safe to run concurrently from several instances:
   * a row is returned by at most one caller. Without `limit`, the store's own batch
   * (`expiryBatch`): what one transaction may hold its database for.
   */
  expireDue(now: EpochMs, limit?: number): Promise<ChallengeRecord[]>;
  /**
   * How many challenges one expiry transaction takes by default: 100 on SQLite, whose one
   * connection the requests share (a transaction holds every request for its duration), 500 on
   * PostgreSQL, where the sweep blocks no request.
   */
  readonly expiryBatch: number;
  /**
   * What a device shows: the pending, unexpired challenges `userId` must answer, newest first, at
   * most `limit` — theirs, and quorum challenges that list them as an approver and have no vote of
   * theirs yet.
   */
  listPendingFor(
    scope: Scope,
    userId: string,
    now: EpochMs,
    limit: number,
  ): Promise<ChallengeRecord[]>;
  /**
   * Records one approver's vote on a pending, unexpired quorum challenge; any outcome but
   * `recorded` changes nothing. Call it inside `storage.transaction` with what the vote causes. It
   * first bumps the challenge's vote counter with a conditional write (on PostgreSQL this locks the
   * challenge row, so votes on one challenge are counted one at a time across instances), then
   * claims the approver's row only if they have not voted: the same human twice, at once or later,
   * gets `duplicate`. `recorded` returns the challenge with every vote so far, this one included.
   */
  vote(scope: Scope, id: string, vote: ChallengeVote, now: EpochMs): Promise<VoteOutcome>;
}

/** The result of {@link ChallengeStore.vote}. */
export type VoteOutcome =
  | { outcome: 'recorded'; challenge: ChallengeRecord }
  /** The challenge is not pending, expired, or not in scope. */
  | { outcome: 'closed' }
  | { outcome: 'not_an_approver' }
  | { outcome: 'duplicate' };

/** What a decision records beside the status: who signed and the proof issued. */
export interface ChallengeDecisionDetails {
  deviceId: string;
  method: ApprovalMethod;
  proof: string | null;
  stampId: string | null;
}

export interface DeviceStore {
  insert(device: DeviceRecord): Promise<void>;
  find(scope: Scope, id: string): Promise<DeviceRecord | null>;
  findByCredentialId(scope: Scope, credentialId: string): Promise<DeviceRecord | null>;
  /**
   * Finds a device by id alone, whatever its scope: only for the device API, where the device
   * authenticates itself and its record supplies the tenant and environment.
   */
  locate(id: string): Promise<DeviceRecord | null>;
  /** A scope's devices, newest first, optionally for one user; revoked ones only if asked. */
  list(
    scope: Scope,
    filter: { userId?: string; includeRevoked?: boolean },
  ): Promise<DeviceRecord[]>;
  rename(scope: Scope, id: string, name: string): Promise<DeviceRecord | null>;
  /** Sets revokedAt if not yet revoked; returns the revoked record, or null if absent or already revoked. */
  revoke(scope: Scope, id: string, now: EpochMs): Promise<DeviceRecord | null>;
  /**
   * Records a verified signature: sets signCount and lastUsedAt only if the stored count is still
   * `previousCount` (a concurrent use of the same counter loses). Returns whether it matched.
   */
  recordUse(
    scope: Scope,
    id: string,
    previousCount: number,
    newCount: number,
    now: EpochMs,
  ): Promise<boolean>;
  /** Stops trusting a device (e.g. counter regression); it can never approve again. */
  disable(scope: Scope, id: string, reason: string, now: EpochMs): Promise<void>;
}

export interface CeremonyStore {
  insert(ceremony: CeremonyRecord): Promise<void>;
  /**
   * Marks the ceremony with this challenge used, if it is of `kind`, unused and unexpired at `now`;
   * returns it for exactly one caller, null otherwise.
   */
  consume(
    scope: Scope,
    challenge: string,
    kind: CeremonyRecord['kind'],
    now: EpochMs,
  ): Promise<CeremonyRecord | null>;
  /** Deletes ceremonies that expired before `before`; returns how many. */
  purgeExpiredBefore(before: EpochMs): Promise<number>;
}

/** Which events a list returns; every field is optional. */
export interface EventFilter {
  type?: string;
  /** Inclusive lower bound on createdAt. */
  since?: EpochMs;
  /** Exclusive upper bound on createdAt. */
  until?: EpochMs;
}

/** Where an event goes: see {@link EventStore.insertRouted}. */
export interface EventRoutes {
  /** The enabled endpoints of the event's scope subscribed to its type (or to `*`). */
  endpoints: WebhookEndpointRecord[];
  /** The CIBA request of the challenge asked about, if there is one. */
  cibaRequest: CibaRequestRecord | null;
}

export interface EventStore {
  insert(event: EventRecord): Promise<void>;
  /**
   * The outbox's read-and-write: inserts `event` and reads where it must be delivered, the
   * subscribed endpoints and, when `challengeId` is given, that challenge's CIBA request. On
   * PostgreSQL one round trip (it runs in every verify's transaction).
   */
  insertRouted(event: EventRecord, challengeId: string | null): Promise<EventRoutes>;
  find(scope: Scope, id: string): Promise<EventRecord | null>;
  /**
   * Newest first (createdAt desc, id desc), at most `limit`, optionally of one type, created in
   * `[since, until)`, and after a keyset position.
   */
  list(
    scope: Scope,
    limit: number,
    filter?: EventFilter,
    after?: { createdAt: EpochMs; id: string },
  ): Promise<EventRecord[]>;
}

export interface WebhookEndpointPatch {
  url?: string;
  events?: string[];
  enabled?: boolean;
  description?: string | null;
}

export interface WebhookEndpointStore {
  insert(endpoint: WebhookEndpointRecord): Promise<void>;
  /** Not deleted. */
  find(scope: Scope, id: string): Promise<WebhookEndpointRecord | null>;
  /** Not deleted, newest first. */
  list(scope: Scope): Promise<WebhookEndpointRecord[]>;
  /** Enabled, not deleted, subscribed to `type` (or to `*`). */
  listSubscribed(scope: Scope, type: string): Promise<WebhookEndpointRecord[]>;
  /** Enabling clears `disabledReason` and `failingSince`. */
  update(
    scope: Scope,
    id: string,
    patch: WebhookEndpointPatch,
    now: EpochMs,
  ): Promise<WebhookEndpointRecord | null>;
  rotateSecret(
    scope: Scope,
    id: string,
    sealedSecret: string,
    sealedPreviousSecret: string,
    previousSecretExpiresAt: EpochMs,
    now: EpochMs,
  ): Promise<WebhookEndpointRecord | null>;
  delete(scope: Scope, id: string, now: EpochMs): Promise<boolean>;
  /** A success clears `failingSince`; a failure sets it if unset. Returns the record after. */
  recordOutcome(id: string, success: boolean, now: EpochMs): Promise<WebhookEndpointRecord | null>;
  /** Disables an enabled endpoint; returns false if it was not enabled. */
  disable(id: string, reason: string, now: EpochMs): Promise<boolean>;
}

/** An attempt's outcome for {@link WebhookDeliveryStore.complete}. */
export interface DeliveryOutcomeRecord {
  status: 'delivered' | 'pending' | 'failed';
  nextAttemptAt: EpochMs | null;
  statusCode: number | null;
  now: EpochMs;
}

/** A leased delivery with what sending it needs, read in the same statement as the lease. */
export interface ClaimedDelivery {
  delivery: WebhookDeliveryRecord;
  /** The event to send; null if it no longer exists in the delivery's scope. */
  event: EventRecord | null;
  /** The target endpoint; null for CIBA notifications and for deleted endpoints. */
  endpoint: WebhookEndpointRecord | null;
}

export interface WebhookDeliveryStore {
  insertMany(deliveries: WebhookDeliveryRecord[]): Promise<void>;
  /**
   * Leases up to `limit` pending deliveries due at `now` (not leased, or lease expired) until
   * `now + leaseMs`; a delivery is handed to one worker at a time across instances.
   */
  claimDue(now: EpochMs, limit: number, leaseMs: number): Promise<WebhookDeliveryRecord[]>;
  /**
   * {@link claimDue}, returning each delivery with its event and endpoint (same scope; a deleted
   * endpoint reads as null): on PostgreSQL one round trip for the whole batch.
   */
  claimDueWithTargets(now: EpochMs, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt's outcome and releases the lease. */
  complete(id: string, outcome: DeliveryOutcomeRecord): Promise<void>;
  recordAttempt(attempt: WebhookAttemptRecord): Promise<void>;
  /**
   * For each entry, {@link recordAttempt} and {@link complete} (its `attempt.deliveryId`), all or
   * none: in one statement on PostgreSQL, whatever the number of entries.
   */
  recordOutcomes(
    outcomes: readonly { attempt: WebhookAttemptRecord; outcome: DeliveryOutcomeRecord }[],
  ): Promise<void>;
  /** An endpoint's attempts, newest first. */
  listAttempts(scope: Scope, endpointId: string, limit: number): Promise<WebhookAttemptRecord[]>;
  /** The attempts to deliver one event (to any endpoint), newest first. */
  listEventAttempts(scope: Scope, eventId: string, limit: number): Promise<WebhookAttemptRecord[]>;
  /** Counts deliveries by status (for tests and metrics). */
  countByStatus(scope?: Scope): Promise<Record<'pending' | 'delivered' | 'failed', number>>;
  /** How many deliveries wait to be delivered or retried, all tenants (the backlog metric). */
  countPending(): Promise<number>;
}

export interface StampStore {
  insert(stamp: StampRecord): Promise<void>;
  /** By id alone, whatever the scope: stamps are public receipts. */
  findById(id: string): Promise<StampRecord | null>;
  /**
   * Leases up to `limit` stamps whose on-chain mirror is pending and due at `now` until
   * `now + leaseMs`; a stamp is handed to one worker at a time across instances.
   */
  claimChainDue(now: EpochMs, limit: number, leaseMs: number): Promise<StampRecord[]>;
  /** Remembers a submitted transaction before waiting for it, so a retry checks it instead of resubmitting. */
  recordChainSubmission(id: string, chainId: number, txHash: string): Promise<void>;
  /** Records an attempt's outcome, counts it and releases the lease. */
  completeChain(id: string, outcome: ChainOutcome): Promise<void>;
  /** How many stamps wait for their on-chain mirror, all tenants (the backlog metric). */
  countChainPending(): Promise<number>;
}

export type NewUsageRecord = Omit<UsageRecord, 'billing' | 'plan'>;

export interface UsageStore {
  /**
   * Meters a verification: inserts the record unless its subject was already metered (then returns
   * false and changes nothing), counts it on the tenant, and bills it to the free credits while any
   * are left, else as overage on the tenant's current plan; atomic across processes. The count and
   * billing happen in the write on SQLite, and on PostgreSQL right after the commit, in commit
   * order, so a tenant's verifications do not queue on its row; `buckets`, `meteredCount` and
   * `findBySubject` on the storage (not a transaction's stores) bill first.
   */
  record(entry: NewUsageRecord): Promise<boolean>;
  /** Counts per day, method and billing for days `fromDay..toDay` (inclusive, `YYYY-MM-DD`). */
  buckets(scope: Scope, fromDay: string, toDay: string): Promise<UsageBucket[]>;
  /** How many verifications the tenant has had metered, all environments (for credits left). */
  meteredCount(tenantId: string): Promise<number>;
  /** The usage record of a subject, if metered. */
  findBySubject(scope: Scope, subjectId: string): Promise<UsageRecord | null>;
  /**
   * Bills every tenant's committed pending records (PostgreSQL: those a process left when it
   * stopped between a commit and its billing; the server sweeps with this); SQLite has none.
   */
  billPending(): Promise<void>;
}

export interface OAuthClientStore {
  insert(client: OAuthClientRecord): Promise<void>;
  /**
   * By id alone, whatever the scope: a client authenticates itself and its record supplies the
   * tenant and environment (like `devices.locate`).
   */
  locate(id: string): Promise<OAuthClientRecord | null>;
  /** A tenant's clients, newest first, optionally of one environment; revoked ones included. */
  listForTenant(tenantId: string, environment?: Environment): Promise<OAuthClientRecord[]>;
  /** Sets revokedAt if not yet revoked; returns false if absent or already revoked. */
  revoke(id: string, now: EpochMs): Promise<boolean>;
}

export interface CibaRequestStore {
  insert(request: CibaRequestRecord): Promise<void>;
  /** By the SHA-256 of the `auth_req_id` alone; the caller checks that the client owns it. */
  findByHandle(handleHash: string): Promise<CibaRequestRecord | null>;
  /** The request behind a challenge, if the challenge was created by the CIBA front door. */
  findByChallenge(scope: Scope, challengeId: string): Promise<CibaRequestRecord | null>;
  /**
   * Records an answered poll: sets `lastPolledAt = now` only if the previous answered poll is at
   * least `intervalSeconds` old (or there is none). One conditional write, so two racing polls
   * cannot both pass; false means the client polls too fast (`slow_down`).
   */
  recordPoll(handleHash: string, now: EpochMs): Promise<boolean>;
  /**
   * The one conditional write that hands out tokens: sets `tokensIssuedAt` if still null. Exactly
   * one caller wins across any number of processes; everyone else gets false.
   */
  markTokensIssued(handleHash: string, now: EpochMs): Promise<boolean>;
}

/** Filters for listing audit entries. All optional; combined with AND. */
export interface AuditFilter {
  type?: string;
  subject?: string;
  environment?: Environment;
  /** Inclusive lower bound on occurredAt. */
  since?: EpochMs;
  /** Exclusive upper bound on occurredAt. */
  until?: EpochMs;
}

/** The tamper-evident audit log: one hash chain per tenant (see `appendAudit`). */
export interface AuditStore {
  /**
   * Appends the draft as its tenant's next entry in the caller's transaction (or its own), so it
   * commits or rolls back with the fact. Where it lands in the chain (the next seq, the head's hash
   * as `prevHash`, its hash as `sealAuditEntry` computes it) is decided under the tenant's chain
   * head lock, so the chain is gap-free across processes: on SQLite in the append itself (its
   * writes are serialized anyway); on PostgreSQL by a sealer right after the commit, so a tenant's
   * transactions do not queue on the head until they commit. `head`, `list` and
   * `tenantsWithChains` on the storage (not on a transaction's stores) seal what was committed
   * before they were called, so they read it in the chain.
   */
  append(draft: AuditDraft): Promise<void>;
  /** The tenant's chain head as recorded beside the entries (seq 0 and the genesis hash when empty). */
  head(tenantId: string): Promise<AuditHead>;
  /** Chain order (seq ascending): at most `limit` entries with seq above `afterSeq`. */
  list(
    tenantId: string,
    filter: AuditFilter,
    limit: number,
    afterSeq?: number,
  ): Promise<AuditEntry[]>;
  /** Every tenant that has an audit chain head (for the checkpoint job and the verifier). */
  tenantsWithChains(): Promise<string[]>;
  /**
   * Seals every tenant's committed pending entries (PostgreSQL: those a process left when it
   * stopped between a commit and its seal; the server sweeps with this); SQLite has none.
   */
  sealPending(): Promise<void>;
  insertCheckpoint(checkpoint: AuditCheckpointRecord): Promise<void>;
  /** Newest first (createdAt desc, id desc), at most `limit`, after a keyset position. */
  listCheckpoints(
    tenantId: string,
    limit: number,
    after?: { createdAt: EpochMs; id: string },
  ): Promise<AuditCheckpointRecord[]>;
}

/** Server-wide proof signing keys (not tenant data). */
export interface SigningKeyStore {
  insert(key: SigningKeyRecord): Promise<void>;
  /** Every key, newest first, retired ones included (they stay published for verification). */
  listAll(): Promise<SigningKeyRecord[]>;
  /** Retires every active key except `keepKid`; returns how many were retired. */
  retireAllExcept(keepKid: string, now: EpochMs): Promise<number>;
}

/** Small server-wide values (e.g. the sealed simulator CA), written once and shared by all instances. */
export interface ServerStateStore {
  get(key: string): Promise<string | null>;
  /** Stores `value` unless the key exists; returns the value that is stored afterwards. */
  putIfAbsent(key: string, value: string): Promise<string>;
}

/** A claimed Idempotency-Key's response, stored by the write that produced it. */
export interface IdempotentResponse {
  key: string;
  token: number;
  statusCode: number;
  responseBody: string;
}

export interface IdempotencyStore {
  claim(input: ClaimIdempotencyInput): Promise<IdempotencyClaim>;
  /** Stores the response of a claimed key; does nothing if the claim `token` no longer owns it. */
  complete(
    scope: Scope,
    key: string,
    token: number,
    statusCode: number,
    responseBody: string,
  ): Promise<void>;
  /**
   * Drops an in-progress claim (the request failed with a retryable error), so a retry runs again;
   * does nothing if the claim `token` no longer owns it.
   */
  release(scope: Scope, key: string, token: number): Promise<void>;
  /**
   * Deletes records created before `before`, `batchSize` rows per statement (default: the store's,
   * small enough not to hold SQLite's shared connection for long); returns how many.
   */
  purgeCreatedBefore(before: EpochMs, batchSize?: number): Promise<number>;
}

/** Everything the server persists, behind one narrow interface with a SQLite and a PostgreSQL adapter. */
export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  readonly tenants: TenantStore;
  readonly apiKeys: ApiKeyStore;
  readonly challenges: ChallengeStore;
  readonly idempotency: IdempotencyStore;
  readonly devices: DeviceStore;
  readonly ceremonies: CeremonyStore;
  readonly events: EventStore;
  readonly webhookEndpoints: WebhookEndpointStore;
  readonly webhookDeliveries: WebhookDeliveryStore;
  readonly signingKeys: SigningKeyStore;
  readonly serverState: ServerStateStore;
  readonly voice: VoiceStore;
  readonly stamps: StampStore;
  readonly usage: UsageStore;
  readonly oauthClients: OAuthClientStore;
  readonly cibaRequests: CibaRequestStore;
  readonly audit: AuditStore;
  /** Console users, invites, passkeys, sessions and actions. */
  readonly console: ConsoleStore;
  /** Approval policies (versioned) and the approver groups they name. */
  readonly policies: PolicyStore;
  readonly approverGroups: ApproverGroupStore;
  /** Runs `fn` in one database transaction; the stores passed to it write inside it. */
  transaction<T>(
    fn: (
      tx: Omit<Storage, 'transaction' | 'close' | 'ping' | 'migrate' | 'watchDeliveries'>,
    ) => Promise<T>,
  ): Promise<T>;
  /**
   * The webhook worker's wake-up: calls `listener` each time webhook deliveries have been queued
   * and COMMITTED — never before the commit, so a woken worker finds the rows — by this process
   * and, on PostgreSQL, by any process on the same database (`NOTIFY keyra_webhooks`, sent by the
   * writing process right after its commit). Signals are hints: one may
   * be missed (a dropped LISTEN connection, another process on a SQLite file) or stand for several
   * writes, so the worker keeps a slow poll as well. Returns the function that stops listening.
   */
  watchDeliveries(listener: () => void): () => void;
  /** Cheap round trip for readiness checks; throws when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
