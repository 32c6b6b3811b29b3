import { findEvent, listEvents, redeliverEvent, type Clock, type Storage } from '@keyra/core';
import {
  Event,
  EventList,
  EventParams,
  ListEventsQuery,
  Redelivery,
  RedeliverBody,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { eventJson } from './webhookJson.js';

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
        summary: 'List events, newest first, optionally of one type, with cursor pagination.',
        querystring: ListEventsQuery,
        response: { 200: EventList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit = 20, type, cursor } = request.query;
      const page = await listEvents(
        storage.events,
        scopeOf(request),
        type === undefined ? {} : { type },
        limit,
        cursor,
      );
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
