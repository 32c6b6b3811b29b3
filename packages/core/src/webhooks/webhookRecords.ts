import type { EpochMs, Environment } from '../domain.js';

/** Every event type KEYRA emits. `*` in an endpoint's list subscribes to all of them. */
export const EVENT_TYPES = [
  'challenge.approved',
  'challenge.rejected',
  'challenge.expired',
  'challenge.canceled',
  /** One approver's vote on a quorum challenge (approve or reject), settling it or not. */
  'challenge.approval_recorded',
  'device.paired',
  'device.revoked',
  'voice.enrolled',
  'voice.verified',
  'stamp.mirrored',
  'webhook_endpoint.disabled',
  /** Sent only by `POST /v1/webhook_endpoints/:id/test`, to that endpoint alone. */
  'ping',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface WebhookEndpointRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  url: string;
  description: string | null;
  /** Subscribed event types, or `['*']`. */
  events: string[];
  enabled: boolean;
  /** The signing secret `whsec_…`, sealed under the server secret. */
  sealedSecret: string;
  /** During a rotation: the previous secret, still signing until `previousSecretExpiresAt`. */
  sealedPreviousSecret: string | null;
  previousSecretExpiresAt: EpochMs | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
  /** Start of the current run of failed deliveries; null after a success. */
  failingSince: EpochMs | null;
  disabledReason: string | null;
  deletedAt: EpochMs | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event to one endpoint: retried until delivered or the schedule runs out. */
export interface WebhookDeliveryRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  eventId: string;
  /** The webhook endpoint; null when the delivery is a CIBA client notification. */
  endpointId: string | null;
  /**
   * The CIBA request (by its handle hash) whose ping or push notification this is; absent or
   * null for a webhook. Exactly one of `endpointId` and `cibaHandleHash` is set.
   */
  cibaHandleHash?: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: EpochMs;
  /** While a worker holds the delivery; another may take it after this instant. */
  leaseUntil: EpochMs | null;
  lastStatusCode: number | null;
  createdAt: EpochMs;
  deliveredAt: EpochMs | null;
}

/** One HTTP attempt, for the delivery log. */
export interface WebhookAttemptRecord {
  id: string;
  deliveryId: string;
  tenantId: string;
  environment: Environment;
  endpointId: string;
  eventId: string;
  attempt: number;
  startedAt: EpochMs;
  statusCode: number | null;
  latencyMs: number;
  /** The first 1 KiB of the response body. */
  responseExcerpt: string | null;
  /** Why no response was received (timeout, refused, blocked …). */
  error: string | null;
}
