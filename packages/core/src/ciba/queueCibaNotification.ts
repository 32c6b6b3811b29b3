import type { EpochMs, EventRecord } from '../domain.js';
import type { CibaRequestRecord } from './cibaRecords.js';
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

/** The challenge whose CIBA request `event` may concern: a decision's challenge, else null. */
export function cibaChallengeOf(event: Pick<EventRecord, 'type' | 'data'>): string | null {
  const challengeId = event.data.challengeId;
  return DECISIONS.has(event.type) && typeof challengeId === 'string' ? challengeId : null;
}

/**
 * The CIBA side of the transactional outbox: when `event` decides a challenge that a ping or push
 * client is waiting on (`request`, read with the event by `events.insertRouted` for
 * {@link cibaChallengeOf}), queues one delivery to that client's notification endpoint through
 * `tx` (the transaction that decides the challenge), beside the webhook deliveries of the same
 * event. The webhook worker sends it with the same lease, retries and SSRF guard.
 */
export async function queueCibaNotification(
  tx: Pick<Stores, 'webhookDeliveries'>,
  request: CibaRequestRecord | null,
  event: EventRecord,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<void> {
  if (cibaChallengeOf(event) === null) return;
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
