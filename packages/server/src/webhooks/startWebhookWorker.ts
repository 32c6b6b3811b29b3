import {
  buildCibaNotification,
  eventBody,
  MAX_ATTEMPTS,
  newId,
  nextAttemptAt,
  recordEvent,
  signWebhook,
  type ClaimedDelivery,
  type Clock,
  type DeliveryOutcomeRecord,
  type IdTokenSigner,
  type SecretBox,
  type Storage,
  type WebhookAttemptRecord,
  type WebhookDeliveryRecord,
} from '@keyra/core';
import type { FastifyBaseLogger } from 'fastify';
import { createKeepAliveAgents, safeFetch, SafeFetchError } from '../net/safeFetch.js';
import type { DeliveryOutcome, KeyraMetrics } from '../http/metrics.js';
import { signingSecrets } from './webhookSecrets.js';

export interface WebhookWorkerOptions {
  storage: Storage;
  clock: Clock;
  box: SecretBox;
  log: FastifyBaseLogger;
  /** Allows http:// and loopback receivers (`--dev`). */
  dev: boolean;
  /**
   * How often an idle worker looks for due deliveries anyway (default 1 s): the fallback for
   * missed wake-ups, for retries coming due and for leases running out.
   */
  pollMs?: number;
  /**
   * Wake up as soon as deliveries are committed (`storage.watchDeliveries`), default true. Tests
   * that drive {@link WebhookWorker.runOnce} by hand turn it off.
   */
  wake?: boolean;
  /**
   * Whose commits wake the worker (default `storage`): the storage the API writes through, when
   * the worker reads and writes through a storage of its own.
   */
  wakeSource?: Pick<Storage, 'watchDeliveries'>;
  /** Deliveries in flight at once per process (default 64). */
  concurrency?: number;
  /** An endpoint failing without a single success for this long is disabled. */
  disableAfterMs?: number;
  /** Signs the ID tokens of CIBA push notifications; without it they are dropped (logged). */
  idTokens?: IdTokenSigner;
  /** Test seam for the SSRF guard's DNS. */
  resolve?: (host: string) => Promise<string[]>;
  /** Where delivery latency and failures are counted (the app's `/metrics`). */
  metrics?: Pick<KeyraMetrics, 'webhookDeliveryDuration' | 'webhookDeliveryFailures'>;
}

export interface WebhookWorker {
  /** Stops claiming, waits for deliveries in flight. */
  stop(): Promise<void>;
  /** Runs one claim-and-deliver pass now (tests). */
  runOnce(): Promise<number>;
}

const TIMEOUT_MS = 10_000;
/** A claimed delivery is someone else's to retry if its worker has not finished by then. */
const LEASE_MS = 60_000;
const EXCERPT_BYTES = 1024;
/** The most delivery outcomes written in one transaction. */
const GROUP_MAX = 64;

type Tx = Parameters<Parameters<Storage['transaction']>[0]>[0];

/** What one finished attempt writes: its attempt row and the delivery's new state, then `after`. */
interface OutcomeWrite {
  attempt: WebhookAttemptRecord;
  outcome: DeliveryOutcomeRecord;
  /** Further writes in the same transaction (an endpoint's failure bookkeeping); rare. */
  after?: (tx: Tx) => Promise<void>;
}

/**
 * The delivery side of the outbox. Every server process runs one: it leases due deliveries (a
 * lease, plus `SKIP LOCKED` on PostgreSQL, gives each to one worker at a time across instances),
 * POSTs the signed event with a 10 s timeout through the SSRF guard (keeping connections alive
 * per checked address), records the attempt, and marks the delivery delivered (2xx) or schedules
 * a retry with backoff and jitter. A process that dies mid-delivery leaves a lease that expires,
 * so another worker delivers it again: delivery is at least once, never lost; receivers dedupe by
 * event id.
 *
 * The worker sleeps until the storage says deliveries were committed (in this process, or on
 * PostgreSQL in any process through `LISTEN/NOTIFY`), with a slow poll behind it for whatever
 * no signal announces: retries coming due, lapsed leases, other processes on a SQLite file.
 */
export function startWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { storage, clock, box, log } = options;
  const pollMs = options.pollMs ?? 1000;
  const concurrency = options.concurrency ?? 64;
  const agents = createKeepAliveAgents(concurrency);
  const disableAfterMs = options.disableAfterMs ?? 3 * 24 * 3600 * 1000;
  let stopped = false;
  let claiming: Promise<void> | null = null;
  let claimAgain = false;
  let timer: NodeJS.Timeout | null = null;
  const inFlight = new Set<Promise<void>>();

  // Group commit: the outcome of every delivery that finishes while a commit is under way is
  // written in the next one, together (at most GROUP_MAX). Under load one commit — on PostgreSQL
  // one statement and one WAL flush — covers many deliveries instead of one each; alone, a
  // delivery commits at once. The attempts and delivery states of a group go in one
  // `recordOutcomes`; only a group with an endpoint to update (a failure, or the first success
  // after failures) needs a transaction around more statements. If a group's write fails, each
  // outcome is retried on its own, so one bad write cannot lose the others'; one that still fails
  // leaves its delivery leased, and the lease's expiry delivers it again (at least once, as before).
  const queued: { write: OutcomeWrite; settle: (error?: unknown) => void }[] = [];
  let committing = false;
  const commitOutcome = (write: OutcomeWrite): Promise<void> =>
    new Promise((resolve, reject) => {
      queued.push({ write, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!committing) {
        committing = true;
        setImmediate(() => void commitQueued());
      }
    });
  async function commitGroup(writes: readonly OutcomeWrite[]): Promise<void> {
    const afters = writes.flatMap((write) => (write.after ? [write.after] : []));
    if (afters.length === 0) return storage.webhookDeliveries.recordOutcomes(writes);
    await storage.transaction(async (tx) => {
      await tx.webhookDeliveries.recordOutcomes(writes);
      for (const after of afters) await after(tx);
    });
  }
  async function commitQueued(): Promise<void> {
    while (queued.length > 0) {
      const group = queued.splice(0, GROUP_MAX);
      try {
        await commitGroup(group.map((item) => item.write));
        for (const item of group) item.settle();
      } catch (error) {
        if (group.length === 1) group[0]!.settle(error);
        else
          for (const item of group) {
            try {
              await commitGroup([item.write]);
              item.settle();
            } catch (alone) {
              item.settle(alone);
            }
          }
      }
    }
    committing = false;
  }

  /** One POST through the SSRF guard: the status, a body excerpt, or why there was no answer. */
  async function post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{
    statusCode: number | null;
    excerpt: string | null;
    error: string | null;
    /** Why there was no answer, as a metric label: the SafeFetchError reason, else `error`. */
    failure: string | null;
    latencyMs: number;
  }> {
    let statusCode: number | null = null;
    let excerpt: string | null = null;
    let error: string | null = null;
    let failure: string | null = null;
    const started = performance.now();
    try {
      const response = await safeFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        maxBytes: 256 * 1024,
        timeoutMs: TIMEOUT_MS,
        maxRedirects: 0,
        allowHttp: options.dev,
        allowLoopback: options.dev,
        agents,
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
      statusCode = response.status;
      excerpt = response.body.subarray(0, EXCERPT_BYTES).toString('utf8');
    } catch (cause) {
      failure = cause instanceof SafeFetchError ? cause.reason : 'error';
      error =
        cause instanceof SafeFetchError
          ? `${cause.reason}: ${cause.message}`
          : String((cause as Error).message ?? cause);
    }
    return {
      statusCode,
      excerpt,
      error,
      failure,
      latencyMs: Math.round(performance.now() - started),
    };
  }

  /** Counts one attempt: its latency by outcome and, without a 2xx, why. */
  function observe(
    kind: 'webhook' | 'ciba',
    result: { statusCode: number | null; failure: string | null; latencyMs: number },
    status: 'delivered' | 'pending' | 'failed',
  ): void {
    const { metrics } = options;
    if (!metrics) return;
    const outcome: DeliveryOutcome = status === 'pending' ? 'retry' : status;
    metrics.webhookDeliveryDuration.observe({ kind, outcome }, result.latencyMs / 1000);
    if (status === 'delivered') return;
    const reason =
      result.statusCode !== null
        ? `http_${Math.floor(result.statusCode / 100)}xx`
        : (result.failure ?? 'error');
    metrics.webhookDeliveryFailures.inc({ kind, reason });
  }

  /** The attempt's outcome under the one retry schedule: delivered (2xx), retry later, or failed. */
  function outcomeOf(delivery: WebhookDeliveryRecord, statusCode: number | null, now: number) {
    const attempt = delivery.attempts + 1;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const retryAt = ok ? null : attempt < MAX_ATTEMPTS ? nextAttemptAt(attempt, now) : null;
    const status: 'delivered' | 'pending' | 'failed' = ok
      ? 'delivered'
      : retryAt === null
        ? 'failed'
        : 'pending';
    return { attempt, ok, retryAt, status };
  }

  const dropDelivery = (delivery: WebhookDeliveryRecord, now: number): Promise<void> =>
    storage.webhookDeliveries.complete(delivery.id, {
      status: 'failed',
      nextAttemptAt: null,
      statusCode: null,
      now,
    });

  /**
   * A CIBA ping or push notification (docs/ciba.md): the same lease, SSRF guard, attempt log
   * (under the client's id) and retry schedule as a webhook, with the client's
   * `client_notification_token` as Bearer instead of a signature.
   */
  async function deliverNotification(
    delivery: WebhookDeliveryRecord,
    handleHash: string,
  ): Promise<void> {
    const startedAt = clock.now();
    const notification = options.idTokens
      ? await buildCibaNotification(handleHash, {
          storage,
          box,
          signer: options.idTokens,
          now: startedAt,
        })
      : null;
    if (!notification) {
      if (!options.idTokens)
        log.error({ deliveryId: delivery.id }, 'CIBA notification without an ID-token signer');
      return dropDelivery(delivery, startedAt);
    }
    const result = await post(
      notification.url,
      { authorization: `Bearer ${notification.bearer}`, 'user-agent': 'KEYRA-CIBA/1' },
      notification.body,
    );
    const now = clock.now();
    const { attempt, retryAt, status } = outcomeOf(delivery, result.statusCode, now);
    observe('ciba', result, status);
    await commitOutcome({
      attempt: {
        id: newId('attempt'),
        deliveryId: delivery.id,
        tenantId: delivery.tenantId,
        environment: delivery.environment,
        endpointId: notification.client.id,
        eventId: delivery.eventId,
        attempt,
        startedAt,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.excerpt,
        error: result.error,
      },
      outcome: { status, nextAttemptAt: retryAt, statusCode: result.statusCode, now },
    });
  }

  async function deliver({ delivery, event, endpoint }: ClaimedDelivery): Promise<void> {
    if (delivery.cibaHandleHash) return deliverNotification(delivery, delivery.cibaHandleHash);
    const scope = { tenantId: delivery.tenantId, environment: delivery.environment };
    const startedAt = clock.now();
    // Deleted or disabled endpoint: nothing to send any more.
    if (!event || !endpoint || !endpoint.enabled) return dropDelivery(delivery, startedAt);
    const body = eventBody(event);
    const headers = signWebhook(
      signingSecrets(endpoint, box, startedAt),
      event.id,
      Math.floor(startedAt / 1000),
      body,
    );
    const result = await post(endpoint.url, { 'user-agent': 'KEYRA-Webhooks/1', ...headers }, body);
    const { statusCode, excerpt, error, latencyMs } = result;
    const now = clock.now();
    const { attempt, ok, retryAt, status } = outcomeOf(delivery, statusCode, now);
    observe('webhook', result, status);
    // One commit for the attempt, the delivery's state and the endpoint's (grouped with other
    // deliveries' outcomes under load). A success on an endpoint that was not failing when read
    // changes nothing on the endpoint: no write to its row, which every delivery to it would
    // otherwise queue on.
    let disabled = false;
    await commitOutcome({
      attempt: {
        id: newId('attempt'),
        deliveryId: delivery.id,
        tenantId: delivery.tenantId,
        environment: delivery.environment,
        endpointId: endpoint.id,
        eventId: event.id,
        attempt,
        startedAt,
        statusCode,
        latencyMs,
        responseExcerpt: excerpt,
        error,
      },
      outcome: { status, nextAttemptAt: retryAt, statusCode, now },
      ...(ok && endpoint.failingSince === null
        ? {}
        : {
            after: async (tx: Tx) => {
              disabled = false;
              const after = await tx.webhookEndpoints.recordOutcome(endpoint.id, ok, now);
              if (ok || after?.failingSince == null || now - after.failingSince < disableAfterMs)
                return;
              if (!(await tx.webhookEndpoints.disable(endpoint.id, 'failing', now))) return;
              await recordEvent(
                tx,
                scope,
                'webhook_endpoint.disabled',
                { endpointId: endpoint.id, url: endpoint.url, reason: 'failing' },
                now,
              );
              disabled = true;
            },
          }),
    });
    if (disabled)
      log.warn({ endpointId: endpoint.id }, 'webhook endpoint disabled after failing for days');
  }

  const deliverLogged = (claimed: ClaimedDelivery): Promise<void> =>
    deliver(claimed).catch((error: unknown) => {
      // The lease expires and another pass retries it.
      log.error(
        { deliveryId: claimed.delivery.id, reason: (error as Error).message },
        'webhook delivery crashed',
      );
    });

  async function runOnce(): Promise<number> {
    const due = await storage.webhookDeliveries.claimDueWithTargets(
      clock.now(),
      concurrency,
      LEASE_MS,
    );
    await Promise.all(due.map(deliverLogged));
    return due.length;
  }

  // The loop keeps up to `concurrency` deliveries in flight and claims more as each one finishes,
  // rather than waiting for a whole batch: a receiver that hangs until the 10 s timeout then holds
  // one slot, not every other endpoint's deliveries. `backlog` says whether something may be due
  // that no claim has taken yet (a wake-up, the poll, or a claim that filled every free slot), so
  // a finished delivery claims again only then, not on every completion.
  let backlog = true;
  const pump = (): void => {
    if (stopped) return;
    if (claiming) {
      claimAgain = true;
      return;
    }
    if (timer) clearTimeout(timer);
    timer = null;
    claiming = (async () => {
      const free = concurrency - inFlight.size;
      if (free <= 0) return;
      // Cleared before the claim: a wake-up arriving while it runs sets it again.
      backlog = false;
      const due = await storage.webhookDeliveries.claimDueWithTargets(clock.now(), free, LEASE_MS);
      if (due.length === free) backlog = true;
      for (const claimed of due) {
        const running: Promise<void> = deliverLogged(claimed).finally(() => {
          inFlight.delete(running);
          if (backlog) pump();
        });
        inFlight.add(running);
      }
    })()
      .catch((error: unknown) => {
        backlog = true;
        log.error({ reason: (error as Error).message }, 'webhook worker pass failed; will retry');
      })
      .finally(() => {
        claiming = null;
        if (stopped) return;
        // A wake-up or a finished delivery asked for a claim meanwhile: claim now; otherwise
        // sleep until the next one, or the fallback poll.
        if (claimAgain) {
          claimAgain = false;
          setImmediate(pump);
        } else timer = setTimeout(wake, pollMs);
      });
  };
  const wake = (): void => {
    backlog = true;
    pump();
  };
  const unwatch =
    options.wake === false ? null : (options.wakeSource ?? storage).watchDeliveries(wake);
  timer = setTimeout(wake, 0);

  return {
    async stop() {
      stopped = true;
      unwatch?.();
      if (timer) clearTimeout(timer);
      await claiming;
      await Promise.all(inFlight);
      agents.destroy();
    },
    runOnce,
  };
}
