import { buildUsageReport, utcDay, type Clock, type Storage } from '@keyra/core';
import { UsageQuery, UsageReport } from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';

/** `GET /v1/usage`: metered verifications per UTC day, credits left and overage. */
export async function usageRoutes(
  app: FastifyInstance,
  options: { storage: Storage; clock: Clock },
): Promise<void> {
  const { storage, clock } = options;
  app.get<{ Querystring: UsageQuery }>(
    '/v1/usage',
    {
      schema: {
        tags: ['Usage'],
        summary: 'Metered verifications per day, free credits left and overage.',
        description:
          "Every successful verification (device, passkey or voice) is metered exactly once. `from` and `to` are UTC days, inclusive (default: the first of this month to today; at most 366 days). Days count this environment; credits and overage are the tenant's, across both environments.",
        querystring: UsageQuery,
        response: { 200: UsageReport, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const today = utcDay(clock.now());
      return buildUsageReport(
        storage,
        scopeOf(request),
        request.query.from ?? `${today.slice(0, 8)}01`,
        request.query.to ?? today,
      );
    },
  );
}
