import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  findWebhookEndpoint,
  rotateWebhookSecret,
  sendTestEvent,
  updateWebhookEndpoint,
  type Clock,
  type SecretBox,
  type Storage,
} from '@keyra/core';
import {
  CreateWebhookEndpointBody,
  Event,
  ListAttemptsQuery,
  UpdateWebhookEndpointBody,
  WebhookAttemptList,
  WebhookEndpoint,
  WebhookEndpointList,
  WebhookEndpointParams,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { createWebhookUrlGuard } from '../../webhooks/webhookUrlGuard.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { attemptJson, endpointJson, eventJson } from './webhookJson.js';

export interface WebhookRoutesOptions {
  storage: Storage;
  clock: Clock;
  box: SecretBox;
  dev: boolean;
  /** How long a rotated secret keeps signing. */
  rotationOverlapMs: number;
}

/** Webhook endpoints (with secret rotation) and their delivery log. */
export async function webhookRoutes(
  app: FastifyInstance,
  options: WebhookRoutesOptions,
): Promise<void> {
  const { storage, clock, box } = options;
  const store = storage.webhookEndpoints;
  const urls = createWebhookUrlGuard({ dev: options.dev });
  const tags = ['Webhooks'];

  app.post<{ Body: CreateWebhookEndpointBody }>(
    '/v1/webhook_endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        tags,
        summary: 'Create a webhook endpoint; its secret `whsec_…` is returned once.',
        body: CreateWebhookEndpointBody,
        response: { 201: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await createWebhookEndpoint(scopeOf(request), request.body, {
        storage,
        box,
        urls,
        now: clock.now(),
      });
      return reply.status(201).send(endpointJson(endpoint, secret));
    },
  );

  app.get(
    '/v1/webhook_endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags,
        summary: 'List webhook endpoints.',
        response: { 200: WebhookEndpointList, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      data: (await store.list(scopeOf(request))).map((e) => endpointJson(e)),
    }),
  );

  app.get<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        tags,
        summary: 'Retrieve a webhook endpoint.',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      endpointJson(await findWebhookEndpoint(scopeOf(request), request.params.id, store)),
  );

  app.patch<{ Params: WebhookEndpointParams; Body: UpdateWebhookEndpointBody }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        tags,
        summary: 'Update url, events, description or enabled (enabling clears a failure state).',
        params: WebhookEndpointParams,
        body: UpdateWebhookEndpointBody,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      endpointJson(
        await updateWebhookEndpoint(scopeOf(request), request.params.id, request.body, {
          storage,
          urls,
          now: clock.now(),
        }),
      ),
  );

  app.delete<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        tags,
        summary: 'Delete a webhook endpoint (pending deliveries to it are dropped).',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      endpointJson(
        await deleteWebhookEndpoint(scopeOf(request), request.params.id, {
          storage,
          now: clock.now(),
        }),
      ),
  );

  app.post<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id/rotate_secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary:
          'Rotate the signing secret; for 24 h deliveries carry signatures with both secrets.',
        params: WebhookEndpointParams,
        response: { 200: WebhookEndpoint, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { endpoint, secret } = await rotateWebhookSecret(scopeOf(request), request.params.id, {
        storage,
        box,
        overlapMs: options.rotationOverlapMs,
        now: clock.now(),
      });
      return endpointJson(endpoint, secret);
    },
  );

  app.post<{ Params: WebhookEndpointParams }>(
    '/v1/webhook_endpoints/:id/test',
    {
      schema: {
        operationId: 'sendTestEvent',
        tags,
        summary: 'Send a signed `ping` event to this endpoint only, to check a receiver.',
        description:
          'Queues a `ping` event for this endpoint alone; the worker signs and sends it like any event (same retries). Its attempts appear in `GET /v1/webhook_endpoints/:id/deliveries`.',
        params: WebhookEndpointParams,
        response: { 202: Event, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const event = await sendTestEvent(scopeOf(request), request.params.id, {
        storage,
        now: clock.now(),
      });
      return reply.status(202).send(eventJson(event));
    },
  );

  app.get<{ Params: WebhookEndpointParams; Querystring: ListAttemptsQuery }>(
    '/v1/webhook_endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
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
      const endpoint = await findWebhookEndpoint(scope, request.params.id, store);
      const attempts = await storage.webhookDeliveries.listAttempts(
        scope,
        endpoint.id,
        request.query.limit ?? 50,
      );
      return { data: attempts.map(attemptJson) };
    },
  );
}
