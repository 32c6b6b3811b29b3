import { buildUsageReport, defaultUsageRange, utcDay, type Clock, type Storage } from '@keyra/core';
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
        operationId: 'getUsage',
        tags: ['Usage'],
        summary: 'Metered verifications per day, free credits left and overage.',
        description:
          "Every successful verification (device, passkey or voice) is metered exactly once. `from` and `to` are UTC days, inclusive (default: `to` today and `from` the first of `to`'s month; at most 366 days; a malformed or nonexistent day is `validation_failed`, a reversed or too long range `invalid_usage_range`). Days count this environment; credits and overage are the tenant's, across both environments.",
        querystring: UsageQuery,
        response: { 200: UsageReport, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { from, to } = defaultUsageRange(
        utcDay(clock.now()),
        request.query.from,
        request.query.to,
      );
      return buildUsageReport(storage, scopeOf(request), from, to);
    },
  );
}
