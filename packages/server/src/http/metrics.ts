import { KeyraError, type Storage } from '@keyra/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { logBytesDropped } from './logDestination.js';

/** Connection pool use as `@keyra/storage` reports it (`DatabaseStorage.poolStats`). */
export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  waiting: number;
}

/** What a webhook or CIBA notification attempt came to under the retry schedule. */
export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

/**
 * The server's Prometheus metrics. Business events are counted here, at the edges (route
 * handlers after a core verb returns or throws, the webhook worker), never inside core verbs.
 */
export interface KeyraMetrics {
  registry: Registry;
  /** `keyra_approvals_total{method,outcome}`: every decision attempt, by its result or error code. */
  approvals: Counter<'method' | 'outcome'>;
  /** `keyra_verify_duration_seconds{method}`: how long one decision attempt took. */
  verifyDuration: Histogram<'method'>;
  /** `keyra_voice_gate_total{gate,outcome}`: each gate of a voice verification, passed or failed. */
  voiceGates: Counter<'gate' | 'outcome'>;
  /** `keyra_webhook_delivery_duration_seconds{kind,outcome}`: one POST to a receiver. */
  webhookDeliveryDuration: Histogram<'kind' | 'outcome'>;
  /** `keyra_webhook_delivery_failures_total{kind,reason}`: attempts without a 2xx. */
  webhookDeliveryFailures: Counter<'kind' | 'reason'>;
  /** `keyra_rate_limit_rejections_total{route}`: requests answered 429 `rate_limit_exceeded`. */
  rateLimitRejections: Counter<'route'>;
}

export interface MetricsOptions {
  /** Read at scrape time for the webhook and chain-mirror backlogs (two indexed counts). */
  storage: Storage;
  /** Read at scrape time for `keyra_db_pool_*`; absent when the storage does not report it. */
  poolStats?: () => PoolStats;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics: `keyra_http_requests_total{method,route,status}` and the latency histogram
 * `keyra_http_request_duration_seconds{method,route}`, labelled by route pattern (never by raw
 * URL, which would carry ids), the business metrics of {@link KeyraMetrics}, gauges read at
 * scrape time (`keyra_webhook_backlog`, `keyra_chain_mirror_backlog`, `keyra_db_pool_*`) and
 * the process defaults. Each app gets its own registry.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions): KeyraMetrics {
  const { storage, poolStats } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyra_' });
  const registers = [registry];
  const requests = new Counter({
    name: 'keyra_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'keyra_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  new Counter({
    name: 'keyra_log_dropped_bytes_total',
    help: 'Log bytes dropped because standard output could not keep up (backlog over 16 MiB).',
    registers,
    collect() {
      this.reset();
      this.inc(logBytesDropped());
    },
  });

  const metrics: KeyraMetrics = {
    registry,
    approvals: new Counter({
      name: 'keyra_approvals_total',
      help: 'Decision attempts by method (device, passkey, voice, legacy_hash) and outcome (approved, rejected, verified, not_verified, or the error code).',
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
    verifyDuration: new Histogram({
      name: 'keyra_verify_duration_seconds',
      help: 'Time to decide one verification attempt, by method.',
      labelNames: ['method'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    voiceGates: new Counter({
      name: 'keyra_voice_gate_total',
      help: 'Voice verification gates (phrase, speaker, replay, quality) by outcome (passed, failed).',
      labelNames: ['gate', 'outcome'] as const,
      registers,
    }),
    webhookDeliveryDuration: new Histogram({
      name: 'keyra_webhook_delivery_duration_seconds',
      help: 'One delivery attempt (webhook or CIBA notification) by outcome (delivered, retry, failed).',
      labelNames: ['kind', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhookDeliveryFailures: new Counter({
      name: 'keyra_webhook_delivery_failures_total',
      help: 'Delivery attempts without a 2xx, by reason (http_4xx, http_5xx, timeout, network, blocked…).',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'keyra_rate_limit_rejections_total',
      help: 'Requests refused with 429 rate_limit_exceeded, by route pattern.',
      labelNames: ['route'] as const,
      registers,
    }),
  };

  new Gauge({
    name: 'keyra_webhook_backlog',
    help: 'Webhook deliveries and CIBA notifications waiting to be delivered or retried (all instances).',
    registers,
    async collect() {
      this.set(await storage.webhookDeliveries.countPending());
    },
  });
  new Gauge({
    name: 'keyra_chain_mirror_backlog',
    help: 'Stamps waiting for their on-chain EAS attestation (all instances).',
    registers,
    async collect() {
      this.set(await storage.stamps.countChainPending());
    },
  });
  if (poolStats) {
    new Gauge({
      name: 'keyra_db_pool_max_connections',
      help: 'The most connections this instance’s database pool opens (SQLite: 1).',
      registers,
      collect() {
        this.set(poolStats().max);
      },
    });
    new Gauge({
      name: 'keyra_db_pool_connections',
      help: 'Open database connections of this instance by state (busy, idle).',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = poolStats();
        this.set({ state: 'busy' }, stats.total - stats.idle);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'keyra_db_pool_waiting',
      help: 'Queries of this instance waiting for a free database connection.',
      registers,
      collect() {
        this.set(poolStats().waiting);
      },
    });
  }

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('onError', (request, _reply, error, done) => {
    if (error instanceof KeyraError && error.code === 'rate_limit_exceeded') {
      metrics.rateLimitRejections.inc({ route: request.routeOptions.url ?? 'unmatched' });
    }
    done();
  });
  return metrics;
}

/**
 * Runs one decision verb, timing it under `method` and counting its outcome: `describe` names
 * the method and outcome of a result; a thrown {@link KeyraError} counts as its code (so refused
 * attempts show as `attestation_invalid`, `challenge_expired`, …), anything else as `error`.
 */
export async function observeApproval<T>(
  metrics: KeyraMetrics,
  method: string,
  run: () => Promise<T>,
  describe: (result: T) => { method: string; outcome: string },
): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    const seen = describe(result);
    metrics.approvals.inc(seen);
    metrics.verifyDuration.observe({ method: seen.method }, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    const outcome = error instanceof KeyraError ? error.code : 'error';
    metrics.approvals.inc({ method, outcome });
    metrics.verifyDuration.observe({ method }, (performance.now() - started) / 1000);
    throw error;
  }
}

/** Counts each gate of a voice verification (the legacy hash flow checks none: not counted). */
export function countVoiceGates(
  metrics: KeyraMetrics,
  gates: Record<'phrase' | 'speaker' | 'replay' | 'quality', { passed: boolean }>,
): void {
  for (const [gate, result] of Object.entries(gates)) {
    metrics.voiceGates.inc({ gate, outcome: result.passed ? 'passed' : 'failed' });
  }
}
