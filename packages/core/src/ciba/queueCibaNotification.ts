import type { EpochMs, EventRecord, Scope } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';

type Stores = Omit<Storage, 'transaction' | 'close' | 'ping' | 'watchDeliveries'>;

/** The events that end a CIBA request, and so notify a ping or push client. */
const DECISIONS: ReadonlySet<string> = new Set([
  'challenge.approved',
  'challenge.rejected',
  'challenge.expired',
  'challenge.canceled',
]);

/**
 * The CIBA side of the transactional outbox: when `event` decides a challenge that a ping or push
 * client is waiting on, queues one delivery to that client's notification endpoint through `tx`
 * (the transaction that decides the challenge), beside the webhook deliveries of the same event.
 * The webhook worker sends it with the same lease, retries and SSRF guard.
 */
export async function queueCibaNotification(
  tx: Pick<Stores, 'cibaRequests' | 'webhookDeliveries'>,
  scope: Scope,
  event: EventRecord,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<void> {
  const challengeId = event.data.challengeId;
  if (!DECISIONS.has(event.type) || typeof challengeId !== 'string') return;
  const request = await tx.cibaRequests.findByChallenge(scope, challengeId);
  // Poll clients (no notification token) learn of it by polling.
  if (!request || request.sealedNotificationToken === null) return;
  await tx.webhookDeliveries.insertMany([
    {
      id: newId('delivery', random),
      tenantId: event.tenantId,
      environment: event.environment,
      eventId: event.id,
      endpointId: null,
      cibaHandleHash: request.handleHash,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      leaseUntil: null,
      lastStatusCode: null,
      createdAt: now,
      deliveredAt: null,
    },
  ]);
}
