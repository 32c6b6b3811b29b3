import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { logBytesDropped } from './logDestination.js';

export interface HttpMetrics {
  registry: Registry;
}

/**
 * Prometheus metrics: `keyra_http_requests_total{method,route,status}` and the latency histogram
 * `keyra_http_request_duration_seconds{method,route}`, labelled by route pattern (never by raw
 * URL, which would carry ids) plus the process defaults. Each app gets its own registry.
 */
export function registerMetrics(app: FastifyInstance): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyra_' });
  const requests = new Counter({
    name: 'keyra_http_requests_total',
    help: 'HTTP requests by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'keyra_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Counter({
    name: 'keyra_log_dropped_bytes_total',
    help: 'Log bytes dropped because standard output could not keep up (backlog over 16 MiB).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(logBytesDropped());
    },
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    done();
  });
  return { registry };
}
