import pg from 'pg';
import type { WebhookReceiver } from '../helpers/webhookReceiver.js';

/** What the database and the receiver say after a fault: every figure but `approved` must be 0. */
export interface Accounting {
  /** Challenges approved in the database. */
  approved: number;
  /** Approved challenges with more than one `challenge.approved` event. */
  doubleCounted: number;
  /** Approved challenges without their event, and events the receiver never got. */
  eventsLost: number;
  /** Challenges metered more than once. */
  doubleMetered: number;
  /** Approved challenges never metered. */
  unmetered: number;
  /** Verifies the client saw succeed whose challenge is not approved in the database. */
  clientApprovedMissing: number;
  /** Events received more than once (allowed: at least once; the receiver dedupes by id). */
  redelivered: number;
}

/**
 * Reads the outcome straight from PostgreSQL: each approved challenge must have exactly one usage
 * record and exactly one `challenge.approved` event, and every event with a delivery must have
 * reached the receiver (counted once per event id). Waits up to `drainMs` for the outbox to
 * drain (deliveries neither pending nor leased) before counting what the receiver lacks.
 */
export async function accountFor(
  databaseUrl: string,
  receiver: WebhookReceiver,
  clientApproved: Set<string>,
  drainMs = 60_000,
): Promise<Accounting> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const approvedIds = (
      await client.query<{ id: string }>(`select id from challenges where status = 'approved'`)
    ).rows.map((row) => row.id);
    const events = (
      await client.query<{ id: string; data: string }>(
        `select id, data from events where type = 'challenge.approved'`,
      )
    ).rows;
    const eventsPerChallenge = new Map<string, number>();
    for (const event of events) {
      const challengeId = String((JSON.parse(event.data) as { challengeId: string }).challengeId);
      eventsPerChallenge.set(challengeId, (eventsPerChallenge.get(challengeId) ?? 0) + 1);
    }
    const usage = new Map(
      (
        await client.query<{ subject_id: string; n: string }>(
          `select subject_id, count(*) as n from usage_records group by subject_id`,
        )
      ).rows.map((row) => [row.subject_id, Number(row.n)]),
    );
    const approvedSet = new Set(approvedIds);

    const deadline = Date.now() + drainMs;
    for (;;) {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from webhook_deliveries where status = 'pending'`,
      );
      if (Number(rows[0]!.n) === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const delivered = (
      await client.query<{ event_id: string }>(`select distinct event_id from webhook_deliveries`)
    ).rows.map((row) => row.event_id);
    const receivedIds = receiver.received.map((request) => String(request.headers['webhook-id']));
    const receivedSet = new Set(receivedIds);

    return {
      approved: approvedIds.length,
      doubleCounted: [...eventsPerChallenge.values()].filter((n) => n > 1).length,
      eventsLost:
        approvedIds.filter((id) => !eventsPerChallenge.has(id)).length +
        delivered.filter((id) => !receivedSet.has(id)).length,
      doubleMetered: [...usage.values()].filter((n) => n > 1).length,
      unmetered: approvedIds.filter((id) => !usage.has(id)).length,
      clientApprovedMissing: [...clientApproved].filter((id) => !approvedSet.has(id)).length,
      redelivered: receivedIds.length - receivedSet.size,
    };
  } finally {
    await client.end();
  }
}
