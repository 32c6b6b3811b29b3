import type { Storage } from '@keyra/core';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RateLimitStore } from '../../ratelimit/rateLimitStore.js';

export interface SystemRoutesOptions {
  storage: Storage;
  rateLimitStore: RateLimitStore;
  registry: Registry;
}

/** Liveness, readiness (the database reachable; Redis reported) and Prometheus metrics. */
export async function systemRoutes(
  app: FastifyInstance,
  options: SystemRoutesOptions,
): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    const probe = async (name: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
        checks[name] = 'ok';
      } catch (error) {
        request.log.warn(
          { check: name, reason: (error as Error).message },
          'readiness check failed',
        );
        checks[name] = 'unavailable';
      }
    };
    await Promise.all([
      probe('database', () => options.storage.ping()),
      probe('rateLimitStore', () => options.rateLimitStore.ping()),
    ]);
    // Only the database decides readiness. The rate-limit store fails open (docs/reliability.md):
    // were its outage to mark every instance unready, a load balancer would take the whole API
    // down for a counter. Its loss shows as `degraded`, still 200.
    if (checks.database !== 'ok') return reply.status(503).send({ status: 'unavailable', checks });
    const degraded = Object.values(checks).some((value) => value !== 'ok');
    return reply.status(200).send({ status: degraded ? 'degraded' : 'ready', checks });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(options.registry.contentType).send(await options.registry.metrics());
  });
}
