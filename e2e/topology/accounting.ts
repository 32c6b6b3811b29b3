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
 * reached the receiver (counted once per event id). Waits up to `drainMs` for that before
 * counting what the receiver lacks.
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

    // Drained when every event with a delivery has reached the receiver. A delivery that was
    // received but not marked (the worker lost the database mid-way) stays leased and is sent
    // again later: a duplicate, which at-least-once allows; waiting for it proves nothing more.
    // Only what the receiver acknowledged counts: a request held past the sender's timeout was
    // given up on and must arrive again.
    const receivedIds = (): string[] =>
      receiver.received
        .filter((request) => request.answered !== undefined && request.answered < 300)
        .map((request) => String(request.headers['webhook-id']));
    const deadline = Date.now() + drainMs;
    let undelivered: string[];
    for (;;) {
      const received = new Set(receivedIds());
      undelivered = (
        await client.query<{ event_id: string }>(`select distinct event_id from webhook_deliveries`)
      ).rows
        .map((row) => row.event_id)
        .filter((id) => !received.has(id));
      if (undelivered.length === 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const received = receivedIds();

    return {
      approved: approvedIds.length,
      doubleCounted: [...eventsPerChallenge.values()].filter((n) => n > 1).length,
      eventsLost:
        approvedIds.filter((id) => !eventsPerChallenge.has(id)).length + undelivered.length,
      doubleMetered: [...usage.values()].filter((n) => n > 1).length,
      unmetered: approvedIds.filter((id) => !usage.has(id)).length,
      clientApprovedMissing: [...clientApproved].filter((id) => !approvedSet.has(id)).length,
      redelivered: received.length - new Set(received).size,
    };
  } finally {
    await client.end();
  }
}
