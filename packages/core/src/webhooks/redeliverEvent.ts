import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { findEvent } from './findEvent.js';
import { findWebhookEndpoint } from './findWebhookEndpoint.js';
import { queueDeliveries } from './recordEvent.js';

export interface RedeliverEventInput {
  /** Redeliver to this endpoint only, even if it is not subscribed to the event's type. */
  endpointId?: string;
}

export interface RedeliverEventDeps {
  storage: Pick<Storage, 'events' | 'webhookEndpoints' | 'webhookDeliveries'>;
  now: EpochMs;
  random?: RandomBytes;
}

export interface RedeliveredEvent {
  eventId: string;
  /** How many deliveries were queued. */
  deliveries: number;
}

/**
 * Queues an event again, for its enabled subscribed endpoints or for one endpoint. Checks, in
 * order: the event id's shape and existence here (400 `invalid_id`, 404 `event_not_found`); the
 * endpoint id's shape and existence, when one is named (400, 404 `webhook_endpoint_not_found`);
 * the named endpoint is enabled (400 `validation_failed`). Then one write inserts a pending
 * delivery per endpoint, due at `now`; the worker signs and sends them as usual.
 */
export async function redeliverEvent(
  scope: Scope,
  eventId: string,
  input: RedeliverEventInput,
  deps: RedeliverEventDeps,
): Promise<RedeliveredEvent> {
  const { storage } = deps;
  const event = await findEvent(scope, eventId, storage.events);
  const endpoints = input.endpointId
    ? [await findWebhookEndpoint(scope, input.endpointId, storage.webhookEndpoints)]
    : await storage.webhookEndpoints.listSubscribed(scope, event.type);
  const disabled = endpoints.find((endpoint) => !endpoint.enabled);
  if (disabled) {
    throw new KeyraError(
      'validation_failed',
      `Webhook endpoint ${disabled.id} is disabled; enable it (PATCH {"enabled": true}) before redelivering to it.`,
      { details: [{ field: 'endpointId', issue: 'endpoint_disabled' }] },
    );
  }
  await queueDeliveries(storage, event, endpoints, deps.now, deps.random ?? systemRandom);
  return { eventId: event.id, deliveries: endpoints.length };
}
