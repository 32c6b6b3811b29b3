import type {
  ApprovalMethod,
  ChainStatus,
  ChallengeStatus,
  DeliveryMode,
  DeviceKind,
  Environment,
  Plan,
  ProofMethod,
  StampMethod,
  RejectOn,
} from '@keyra/core';
import type { Generated, Selectable } from 'kysely';
import type { VoiceTables } from './stores/voiceTables.js';

// Row shapes as stored. Timestamps are BIGINT epoch ms on both dialects (PostgreSQL's int8 is
// parsed to a JS number by the pool, see connectDatabase.ts).

export interface TenantsTable {
  id: string;
  name: string;
  created_at: number;
  plan: Plan;
  free_credits: number;
  /** Verifications metered so far (all environments): credits left = free_credits - this. */
  metered_count: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  hash: string;
  display_prefix: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  replaced_by: string | null;
  audience: string;
  last_used_at: number | null;
}

export interface ChallengesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  action: string;
  user_id: string;
  /** JSON text of the caller's payload object. */
  payload: string;
  digest: string;
  status: ChallengeStatus;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  device_id: string | null;
  method: ApprovalMethod | null;
  proof: string | null;
  /** 0 or 1. */
  stamp_requested: number;
  stamp_id: string | null;
  audience: string;
  /** JSON text of the caller's string labels. */
  metadata: string;
  binding_message: string | null;
  /** When a device first fetched it while pending (migration 0015_console_c); null until then. */
  shown_at: number | null;
  /** Null for a one-approver challenge. */
  quorum: number | null;
  reject_on: RejectOn | null;
  /** Votes recorded so far (the counter each vote bumps first). */
  vote_count: Generated<number>;
  /** The policy version the challenge was created under; all four null when none matched. */
  policy_id: string | null;
  policy_version: number | null;
  policy_name: string | null;
  /** JSON text of the requirement. */
  policy_requirement: string | null;
}

/** A challenge row as read back. */
export type ChallengeRow = Selectable<ChallengesTable>;

/** One approver of a quorum challenge, and their vote once cast. */
export interface ChallengeApproversTable {
  challenge_id: string;
  user_id: string;
  tenant_id: string;
  environment: Environment;
  /** Their index in the challenge's `approvers`. */
  position: number;
  decision: 'approved' | 'rejected' | null;
  device_id: string | null;
  method: ApprovalMethod | null;
  decided_at: number | null;
}

export interface StampsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  subject_id: string;
  method: StampMethod;
  proof_sha256: string;
  issued_at: number;
  signature: string;
  offchain: string | null;
  chain_status: ChainStatus;
  chain_attempts: number;
  chain_next_attempt_at: number | null;
  chain_lease_until: number | null;
  chain_id: number | null;
  chain_tx_hash: string | null;
  chain_uid: string | null;
  chain_error: string | null;
  chain_confirmed_at: number | null;
}

export interface UsageRecordsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  subject_id: string;
  method: ProofMethod;
  /** `pending` until PostgreSQL's sealer bills it (migration 0017). */
  billing: 'credit' | 'overage' | 'pending';
  plan: Plan;
  day: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  user_id: string;
  kind: DeviceKind;
  name: string;
  credential_id: string;
  public_key: string;
  aaguid: string;
  sign_count: number;
  /** JSON array text. */
  transports: string;
  attestation_format: string;
  /** 0 or 1 (portable boolean). */
  attestation_trusted: number;
  root_fingerprint: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  disabled_at: number | null;
  disabled_reason: string | null;
}

export interface WebauthnCeremoniesTable {
  challenge: string;
  tenant_id: string;
  environment: Environment;
  user_id: string;
  kind: 'registration' | 'authentication';
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface EventsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  type: string;
  /** JSON text. */
  data: string;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  /** JSON text of the public JWK. */
  public_jwk: string;
  sealed_private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

export interface WebhookEndpointsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  url: string;
  description: string | null;
  /** JSON array text. */
  events: string;
  enabled: number;
  sealed_secret: string;
  sealed_previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  updated_at: number;
  failing_since: number | null;
  disabled_reason: string | null;
  deleted_at: number | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  event_id: string;
  /** The webhook endpoint, or null for a CIBA client notification. */
  endpoint_id: string | null;
  /** The CIBA request a client notification is for (ping or push), or null for a webhook. */
  ciba_handle_hash: string | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_status_code: number | null;
  created_at: number;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  tenant_id: string;
  environment: Environment;
  endpoint_id: string;
  event_id: string;
  attempt: number;
  started_at: number;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
}

export interface OAuthClientsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  name: string;
  secret_hash: string;
  delivery_mode: DeliveryMode;
  notify_url: string | null;
  created_at: number;
  revoked_at: number | null;
}

export interface CibaRequestsTable {
  handle_hash: string;
  tenant_id: string;
  environment: Environment;
  challenge_id: string;
  client_id: string;
  scope: string;
  sealed_notification_token: string | null;
  sealed_auth_req_id: string | null;
  interval_seconds: number;
  last_polled_at: number | null;
  tokens_issued_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface ConsoleUsersTable {
  id: string;
  tenant_id: string;
  email: string;
  role: 'viewer' | 'developer' | 'admin' | 'owner';
  created_at: number;
  disabled_at: number | null;
}

export interface ConsoleInvitesTable {
  id: string;
  tenant_id: string;
  email: string;
  role: 'viewer' | 'developer' | 'admin' | 'owner';
  token_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  invited_by: string | null;
}

export interface ConsolePasskeysTable {
  credential_id: string;
  user_id: string;
  tenant_id: string;
  public_key: string;
  counter: number;
  /** JSON array. */
  transports: string;
  created_at: number;
  last_used_at: number | null;
}

export interface ConsoleCeremoniesTable {
  challenge: string;
  kind: 'enrolment' | 'sign_in';
  invite_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface ConsoleSessionsTable {
  token_hash: string;
  id: string;
  user_id: string;
  tenant_id: string;
  created_at: number;
  last_seen_at: number;
  idle_timeout_ms: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface ConsoleActionsTable {
  id: string;
  tenant_id: string;
  user_id: string;
  environment: Environment | null;
  method: string;
  route: string;
  target_id: string | null;
  status_code: number;
  at: number;
}

export interface ServerStateTable {
  key: string;
  value: string;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  environment: Environment;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  state: 'in_progress' | 'completed';
  status_code: number | null;
  response_body: string | null;
  created_at: number;
  locked_until: number;
}

export interface AuditEntriesTable {
  id: string;
  tenant_id: string;
  seq: number;
  type: string;
  environment: Environment;
  actor: string;
  subject: string;
  /** JSON text. */
  data: string;
  occurred_at: number;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadsTable {
  tenant_id: string;
  seq: number;
  hash: string;
  /** The head's hash before its last move (migration 0016). */
  prev_hash: Generated<string>;
}

/** An appended entry not yet sealed into its tenant's chain (PostgreSQL; migration 0017). */
export interface AuditPendingTable {
  pos: Generated<number>;
  id: string;
  tenant_id: string;
  type: string;
  environment: Environment;
  actor: string;
  subject: string;
  /** JSON text. */
  data: string;
  occurred_at: number;
}

export interface AuditCheckpointsTable {
  id: string;
  tenant_id: string;
  seq: number;
  hash: string;
  signature: string;
  created_at: number;
  stamp_id: string | null;
}

/** One policy: its current version, and whether it was deleted. */
export interface PoliciesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  current_version: number;
  created_at: number;
  deleted_at: number | null;
}

/** One immutable version of a policy. */
export interface PolicyVersionsTable {
  policy_id: string;
  version: number;
  tenant_id: string;
  environment: Environment;
  name: string;
  description: string | null;
  priority: number;
  /** JSON text: `{action, conditions}`. */
  match: string;
  /** JSON text of the requirement. */
  requirement: string;
  created_at: number;
}

export interface ApproverGroupsTable {
  tenant_id: string;
  environment: Environment;
  name: string;
  /** JSON text: a list of user ids. */
  members: string;
  created_at: number;
  updated_at: number;
}

/** The Kysely database type of the current schema. Extend it with each migration that adds a table. */
export interface Database extends VoiceTables {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  challenges: ChallengesTable;
  challenge_approvers: ChallengeApproversTable;
  stamps: StampsTable;
  usage_records: UsageRecordsTable;
  idempotency_keys: IdempotencyKeysTable;
  devices: DevicesTable;
  webauthn_ceremonies: WebauthnCeremoniesTable;
  events: EventsTable;
  signing_keys: SigningKeysTable;
  server_state: ServerStateTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  oauth_clients: OAuthClientsTable;
  ciba_requests: CibaRequestsTable;
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
  audit_pending: AuditPendingTable;
  audit_checkpoints: AuditCheckpointsTable;
  console_users: ConsoleUsersTable;
  console_invites: ConsoleInvitesTable;
  console_passkeys: ConsolePasskeysTable;
  console_ceremonies: ConsoleCeremoniesTable;
  console_sessions: ConsoleSessionsTable;
  console_actions: ConsoleActionsTable;
  policies: PoliciesTable;
  policy_versions: PolicyVersionsTable;
  approver_groups: ApproverGroupsTable;
}

export type DatabaseKind = 'sqlite' | 'postgres';
