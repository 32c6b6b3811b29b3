import type { Storage } from '@keyra/core';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RateLimitStore } from '../../ratelimit/rateLimitStore.js';

export interface SystemRoutesOptions {
  storage: Storage;
  rateLimitStore: RateLimitStore;
  registry: Registry;
}

/** Liveness, readiness (database and Redis reachable) and Prometheus metrics. */
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
    const ready = Object.values(checks).every((value) => value === 'ok');
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(options.registry.contentType).send(await options.registry.metrics());
  });
}
