import {
  findEvent,
  listEvents,
  parseRfc3339Query,
  redeliverEvent,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  Event,
  EventList,
  EventParams,
  ListAttemptsQuery,
  ListEventsQuery,
  Redelivery,
  RedeliverBody,
  WebhookAttemptList,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { attemptJson, eventJson } from './webhookJson.js';

export interface EventRoutesOptions {
  storage: Storage;
  clock: Clock;
}

/** Events (what webhooks deliver): list, retrieve, and queue again for delivery. */
export async function eventRoutes(
  app: FastifyInstance,
  options: EventRoutesOptions,
): Promise<void> {
  const { storage, clock } = options;
  const tags = ['Webhooks'];

  app.get<{ Querystring: ListEventsQuery }>(
    '/v1/events',
    {
      schema: {
        operationId: 'listEvents',
        tags,
        summary:
          'List events, newest first, optionally of one type or created in a range, with cursor pagination.',
        querystring: ListEventsQuery,
        response: { 200: EventList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit = 20, type, cursor } = request.query;
      const since = parseRfc3339Query('since', request.query.since);
      const until = parseRfc3339Query('until', request.query.until);
      const filter = {
        ...(type !== undefined ? { type } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
      };
      const page = await listEvents(storage.events, scopeOf(request), filter, limit, cursor);
      return { data: page.data.map(eventJson), hasMore: page.hasMore, nextCursor: page.nextCursor };
    },
  );

  app.get<{ Params: EventParams }>(
    '/v1/events/:id',
    {
      schema: {
        operationId: 'getEvent',
        tags,
        summary: 'Retrieve an event.',
        params: EventParams,
        response: { 200: Event, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      eventJson(await findEvent(scopeOf(request), request.params.id, storage.events)),
  );

  app.get<{ Params: EventParams; Querystring: ListAttemptsQuery }>(
    '/v1/events/:id/deliveries',
    {
      schema: {
        operationId: 'listEventDeliveries',
        tags,
        summary:
          'The attempts to deliver this event, to every endpoint, newest first (status code, latency, first 1 KiB of the response).',
        params: EventParams,
        querystring: ListAttemptsQuery,
        response: { 200: WebhookAttemptList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const event = await findEvent(scope, request.params.id, storage.events);
      const attempts = await storage.webhookDeliveries.listEventAttempts(
        scope,
        event.id,
        request.query.limit ?? 50,
      );
      return { data: attempts.map(attemptJson) };
    },
  );

  app.post<{ Params: EventParams; Body: RedeliverBody }>(
    '/v1/events/:id/redeliver',
    {
      schema: {
        operationId: 'redeliverEvent',
        tags,
        summary: 'Queue the event again for its subscribed endpoints (or one endpoint).',
        params: EventParams,
        body: RedeliverBody,
        response: { 202: Redelivery, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const redelivery = await redeliverEvent(
        scopeOf(request),
        request.params.id,
        request.body ?? {},
        { storage, now: clock.now() },
      );
      return reply.status(202).send(redelivery);
    },
  );
}
