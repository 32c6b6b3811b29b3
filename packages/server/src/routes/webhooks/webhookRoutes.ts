import {
  decodeKeysetCursor,
  formatTimestamp,
  isIdOf,
  toKeysetPage,
  KeyraError,
  newId,
  queueDeliveries,
  type Clock,
  type EventRecord,
  type SecretBox,
  type Storage,
  type WebhookEndpointRecord,
} from '@keyra/core';
import {
  CreateWebhookEndpointBody,
  Event,
  EventList,
  EventParams,
  ListAttemptsQuery,
  ListEventsQuery,
  Redelivery,
  RedeliverBody,
  UpdateWebhookEndpointBody,
  WebhookAttemptList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointParams,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { checkOutboundUrl, SafeFetchError } from '../../net/safeFetch.js';
import { generateWebhookSecret } from '../../webhooks/webhookSecrets.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';

export interface WebhookRoutesOptions {
  storage: Storage;
  clock: Clock;
  box: SecretBox;
  dev: boolean;
  /** How long a rotated secret keeps signing. */
  rotationOverlapMs: number;
}

function endpointJson(endpoint: WebhookEndpointRecord, secret?: string): WebhookEndpoint {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    failingSince: endpoint.failingSince === null ? null : formatTimestamp(endpoint.failingSince),
    createdAt: formatTimestamp(endpoint.createdAt),
    updatedAt: formatTimestamp(endpoint.updatedAt),
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt === null
        ? null
        : formatTimestamp(endpoint.previousSecretExpiresAt),
    ...(secret ? { secret } : {}),
  };
}

function eventJson(event: EventRecord): {
  id: string;
  type: string;
  created: number;
  data: Record<string, unknown>;
} {
  return {
    id: event.id,
    type: event.type,
    created: Math.floor(event.createdAt / 1000),
    data: event.data,
  };
}

/** Webhook endpoints (with secret rotation), the delivery log, events and manual redelivery. */
export async function webhookRoutes(
  app: FastifyInstance,
  options: WebhookRoutesOptions,
): Promise<void> {
  const { storage, clock, box } = options;
  const tags = ['Webhooks'];

  const checkUrl = async (url: string): Promise<void> => {
    try {
      await checkOutboundUrl(url, { allowHttp: options.dev, allowLoopback: options.dev });
    } catch (error) {
      if (!(error instanceof SafeFetchError)) throw error;
      throw new KeyraError(
        'invalid_webhook_url',
        `The webhook URL was refused: ${error.message}.`,
        {
          details: [{ field: 'url', issue: error.reason }],
        },
      );
    }
  };
  const findEndpoint = async (
    scope: ReturnType<typeof scopeOf>,
    id: string,
  ): Promise<WebhookEndpointRecord> => {
    if (!isIdOf('webhookEndpoint', id))
      throw new KeyraError(
        'invalid_id',
        `"${id.slice(0, 80)}" is not a webhook endpoint id (we_…).`,
      );
    const endpoint = await storage.webhookEndpoints.find(scope, id);
    if (!endpoint)
      throw new KeyraError(
        'webhook_endpoint_not_found',
        `No webhook endpoint ${id} in this environment.`,
      );
    return endpoint;
  };

  app.post<{ Body: CreateWebhookEndpointBody }>(
    '/v1/webhook_endpoints',
    {
      schema: {
        tags,
        summary: 'Create a webhook endpoint; its secret `whsec_…` is returned once.',
        body: CreateWebhookEndpointBody,
        response: { 201: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await checkUrl(request.body.url);
      const scope = scopeOf(request);
      const now = clock.now();
      const id = newId('webhookEndpoint');
      const secret = generateWebhookSecret();
      const endpoint: WebhookEndpointRecord = {
        id,
        tenantId: scope.tenantId,
        environment: scope.environment,
        url: request.body.url,
        description: request.body.description ?? null,
        events: request.body.events,
        enabled: request.body.enabled ?? true,
        sealedSecret: box.seal(secret, id),
        sealedPreviousSecret: null,
        previousSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
        failingSince: null,
        disabledReason: null,
        deletedAt: null,
      };
      await storage.webhookEndpoints.insert(endpoint);
      return reply.status(201).send(endpointJson(endpoint, secret));
    },
  );

  app.get(
    '/v1/webhook_endpoints',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints.',
        response: { 200: WebhookEndpointList, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      data: (await storage.webhookEndpoints.list(scopeOf(request))).map((e) => endpointJson(e)),
    }),
  );

  app.get<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Retrieve a webhook endpoint.',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) => endpointJson(await findEndpoint(scopeOf(request), request.params.id)),
  );

  app.patch<{ Params: WebhookEndpointParams; Body: UpdateWebhookEndpointBody }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Update url, events, description or enabled (enabling clears a failure state).',
        params: WebhookEndpointParams,
        body: UpdateWebhookEndpointBody,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      await findEndpoint(scope, request.params.id);
      if (request.body.url !== undefined) await checkUrl(request.body.url);
      const updated = await storage.webhookEndpoints.update(
        scope,
        request.params.id,
        request.body,
        clock.now(),
      );
      if (!updated)
        throw new KeyraError(
          'webhook_endpoint_not_found',
          `No webhook endpoint ${request.params.id} in this environment.`,
        );
      return endpointJson(updated);
    },
  );

  app.delete<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint (pending deliveries to it are dropped).',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const endpoint = await findEndpoint(scope, request.params.id);
      await storage.webhookEndpoints.delete(scope, endpoint.id, clock.now());
      return endpointJson({ ...endpoint, enabled: false });
    },
  );

  app.post<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id/rotate_secret',
    {
      schema: {
        tags,
        summary:
          'Rotate the signing secret; for 24 h deliveries carry signatures with both secrets.',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const endpoint = await findEndpoint(scope, request.params.id);
      const now = clock.now();
      const secret = generateWebhookSecret();
      const rotated = await storage.webhookEndpoints.rotateSecret(
        scope,
        endpoint.id,
        box.seal(secret, endpoint.id),
        endpoint.sealedSecret,
        now + options.rotationOverlapMs,
        now,
      );
      if (!rotated)
        throw new KeyraError(
          'webhook_endpoint_not_found',
          `No webhook endpoint ${endpoint.id} in this environment.`,
        );
      return endpointJson(rotated, secret);
    },
  );

  app.get<{ Params: WebhookEndpointParams; Querystring: ListAttemptsQuery }>(
    '/v1/webhook_endpoints/:id/deliveries',
    {
      schema: {
        tags,
        summary:
          'The delivery log: every attempt, newest first (status code, latency, first 1 KiB of the response).',
        params: WebhookEndpointParams,
        querystring: ListAttemptsQuery,
        response: { 200: WebhookAttemptList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const endpoint = await findEndpoint(scope, request.params.id);
      const attempts = await storage.webhookDeliveries.listAttempts(
        scope,
        endpoint.id,
        request.query.limit ?? 50,
      );
      return {
        data: attempts.map((a) => ({
          id: a.id,
          deliveryId: a.deliveryId,
          eventId: a.eventId,
          attempt: a.attempt,
          startedAt: formatTimestamp(a.startedAt),
          statusCode: a.statusCode,
          latencyMs: a.latencyMs,
          responseExcerpt: a.responseExcerpt,
          error: a.error,
        })),
      };
    },
  );

  app.get<{ Querystring: ListEventsQuery }>(
    '/v1/events',
    {
      schema: {
        tags,
        summary: 'List events, newest first, optionally of one type, with cursor pagination.',
        querystring: ListEventsQuery,
        response: { 200: EventList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { limit = 20, type, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeKeysetCursor(cursor, EVENT_ID_PATTERN);
      const page = toKeysetPage(
        await storage.events.list(
          scopeOf(request),
          limit + 1,
          type === undefined ? {} : { type },
          after,
        ),
        limit,
      );
      return { data: page.data.map(eventJson), hasMore: page.hasMore, nextCursor: page.nextCursor };
    },
  );

  /** Event ids: `evt_` + base62. */
  const EVENT_ID_PATTERN = /^evt_[0-9A-Za-z]{4,64}$/;

  const findEvent = async (scope: ReturnType<typeof scopeOf>, id: string): Promise<EventRecord> => {
    if (!isIdOf('event', id))
      throw new KeyraError('invalid_id', `"${id.slice(0, 80)}" is not an event id (evt_…).`);
    const event = await storage.events.find(scope, id);
    if (!event) throw new KeyraError('event_not_found', `No event ${id} in this environment.`);
    return event;
  };

  app.get<{ Params: EventParams }>(
    '/v1/events/:id',
    {
      schema: {
        tags,
        summary: 'Retrieve an event.',
        params: EventParams,
        response: { 200: Event, ...ERROR_RESPONSES },
      },
    },
    async (request) => eventJson(await findEvent(scopeOf(request), request.params.id)),
  );

  app.post<{ Params: EventParams; Body: RedeliverBody }>(
    '/v1/events/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Queue the event again for its subscribed endpoints (or one endpoint).',
        params: EventParams,
        body: RedeliverBody,
        response: { 202: Redelivery, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const event = await findEvent(scope, request.params.id);
      const endpoints = request.body?.endpointId
        ? [await findEndpoint(scope, request.body.endpointId)]
        : await storage.webhookEndpoints.listSubscribed(scope, event.type);
      const disabled = endpoints.find((endpoint) => !endpoint.enabled);
      if (disabled) {
        throw new KeyraError(
          'validation_failed',
          `Webhook endpoint ${disabled.id} is disabled; enable it (PATCH {"enabled": true}) before redelivering to it.`,
          { details: [{ field: 'endpointId', issue: 'endpoint_disabled' }] },
        );
      }
      await queueDeliveries(storage, event, endpoints, clock.now());
      return reply.status(202).send({ eventId: event.id, deliveries: endpoints.length });
    },
  );
}
