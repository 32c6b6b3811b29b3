import {
  eventObject,
  formatTimestamp,
  type EventObject,
  type EventRecord,
  type WebhookAttemptRecord,
  type WebhookEndpointRecord,
} from '@keyra/core';
import type { WebhookEndpoint } from '@keyra/contract';

/** The API form of an endpoint; `secret` only in the answers that create or rotate it. */
export function endpointJson(endpoint: WebhookEndpointRecord, secret?: string): WebhookEndpoint {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    failingSince: endpoint.failingSince === null ? null : formatTimestamp(endpoint.failingSince),
    createdAt: formatTimestamp(endpoint.createdAt),
    updatedAt: formatTimestamp(endpoint.updatedAt),
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt === null
        ? null
        : formatTimestamp(endpoint.previousSecretExpiresAt),
    ...(secret ? { secret } : {}),
  };
}

/** The API form of an event: exactly the body webhooks deliver. */
export function eventJson(event: EventRecord): EventObject {
  return eventObject(event);
}

/** One line of the delivery log. */
export function attemptJson(attempt: WebhookAttemptRecord): {
  id: string;
  deliveryId: string;
  endpointId: string;
  eventId: string;
  attempt: number;
  startedAt: string;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
} {
  return {
    id: attempt.id,
    deliveryId: attempt.deliveryId,
    endpointId: attempt.endpointId,
    eventId: attempt.eventId,
    attempt: attempt.attempt,
    startedAt: formatTimestamp(attempt.startedAt),
    statusCode: attempt.statusCode,
    latencyMs: attempt.latencyMs,
    responseExcerpt: attempt.responseExcerpt,
    error: attempt.error,
  };
}
