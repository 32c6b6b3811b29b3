import type { EpochMs, EventRecord, Scope } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { formatTimestamp } from '../time.js';
import { cibaChallengeOf, queueCibaNotification } from '../ciba/queueCibaNotification.js';

type Stores = Omit<Storage, 'transaction' | 'close' | 'ping' | 'watchDeliveries'>;

/**
 * The transactional outbox: writes the event and one pending delivery per subscribed, enabled
 * endpoint — and, for a decided CIBA request of a ping or push client, one to its notification
 * endpoint — through `tx`, which must be the transaction that makes the state change the event
 * reports — so a crash loses both or neither.
 */
export async function recordEvent(
  tx: Stores,
  scope: Scope,
  type: string,
  data: Record<string, unknown>,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<EventRecord> {
  const event: EventRecord = {
    id: newId('event', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    type,
    data,
    createdAt: now,
  };
  const routes = await tx.events.insertRouted(event, cibaChallengeOf(event));
  await queueDeliveries(tx, event, routes.endpoints, now, random);
  await queueCibaNotification(tx, routes.cibaRequest, event, now, random);
  return event;
}

/** Queues one pending delivery of `event` to each endpoint (also used by manual redelivery). */
export async function queueDeliveries(
  tx: Pick<Stores, 'webhookDeliveries'>,
  event: EventRecord,
  endpoints: readonly { id: string }[],
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<void> {
  if (endpoints.length === 0) return;
  await tx.webhookDeliveries.insertMany(
    endpoints.map((endpoint) => ({
      id: newId('delivery', random),
      tenantId: event.tenantId,
      environment: event.environment,
      eventId: event.id,
      endpointId: endpoint.id,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastStatusCode: null,
      createdAt: now,
      deliveredAt: null,
    })),
  );
}

/** An event as the API and webhooks show it. */
export interface EventObject {
  id: string;
  type: string;
  /** RFC 3339 UTC, like every other time in KEYRA's JSON. */
  createdAt: string;
  /** `createdAt` in whole Unix seconds, for receivers written before it (deprecated). */
  created: number;
  data: Record<string, unknown>;
}

/** The event as `GET /v1/events/:id` returns it and webhooks deliver it. */
export function eventObject(event: EventRecord): EventObject {
  return {
    id: event.id,
    type: event.type,
    createdAt: formatTimestamp(event.createdAt),
    created: Math.floor(event.createdAt / 1000),
    data: event.data,
  };
}

/** The JSON body of a delivery: the event object, byte for byte what is signed. */
export function eventBody(event: EventRecord): string {
  return JSON.stringify(eventObject(event));
}
