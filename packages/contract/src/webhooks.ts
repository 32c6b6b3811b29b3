import { Type, type Static } from '@sinclair/typebox';
import { EVENT_TYPES } from '@keyra/core';
import { Timestamp } from './common.js';

const EventTypeOrAll = Type.Union(
  [...EVENT_TYPES.map((type) => Type.Literal(type)), Type.Literal('*')],
  {
    description: 'An event type, or `*` for all of them.',
  },
);

const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'HTTPS URL that receives POSTed events (http and loopback only with --dev).',
  examples: ['https://example.com/webhooks/keyra'],
});

export const WebhookEndpointId = Type.String({ pattern: '^we_[0-9A-Za-z]{4,64}$' });

export const CreateWebhookEndpointBody = Type.Object(
  {
    url: Url,
    events: Type.Array(EventTypeOrAll, { minItems: 1, maxItems: 32, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CreateWebhookEndpointBody = Static<typeof CreateWebhookEndpointBody>;

export const UpdateWebhookEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(
      Type.Array(EventTypeOrAll, { minItems: 1, maxItems: 32, uniqueItems: true }),
    ),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookEndpointBody = Static<typeof UpdateWebhookEndpointBody>;

export const WebhookEndpoint = Type.Object(
  {
    id: WebhookEndpointId,
    url: Type.String(),
    events: Type.Array(Type.String()),
    description: Type.Union([Type.String(), Type.Null()]),
    enabled: Type.Boolean(),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
    failingSince: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    secret: Type.Optional(
      Type.String({
        description: 'The signing secret `whsec_…`, returned only when created or rotated.',
      }),
    ),
    previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'During a rotation, when the previous secret stops signing.',
    }),
  },
  { additionalProperties: false, title: 'WebhookEndpoint' },
);
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

export const WebhookEndpointList = Type.Object(
  { data: Type.Array(WebhookEndpoint) },
  { additionalProperties: false },
);
export const WebhookEndpointParams = Type.Object(
  { id: Type.String() },
  { additionalProperties: false },
);
export type WebhookEndpointParams = Static<typeof WebhookEndpointParams>;

export const WebhookAttempt = Type.Object(
  {
    id: Type.String(),
    deliveryId: Type.String(),
    endpointId: Type.String({ description: 'The endpoint the attempt was sent to.' }),
    eventId: Type.String(),
    attempt: Type.Integer(),
    startedAt: Timestamp,
    statusCode: Type.Union([Type.Integer(), Type.Null()]),
    latencyMs: Type.Integer(),
    responseExcerpt: Type.Union([Type.String(), Type.Null()], {
      description: 'First 1 KiB of the response body.',
    }),
    error: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
export const WebhookAttemptList = Type.Object(
  { data: Type.Array(WebhookAttempt) },
  { additionalProperties: false },
);
export const ListAttemptsQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })) },
  { additionalProperties: false },
);
export type ListAttemptsQuery = Static<typeof ListAttemptsQuery>;

export const Event = Type.Object(
  {
    id: Type.String({ description: '`evt_…`; use it to deduplicate.' }),
    type: Type.String(),
    createdAt: Timestamp,
    created: Type.Integer({
      description: 'The same instant in Unix seconds (deprecated: use `createdAt`).',
      deprecated: true,
    }),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false, title: 'Event' },
);
export const EventList = Type.Object(
  {
    data: Type.Array(Event),
    hasMore: Type.Boolean(),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: 'Pass as `cursor` for the next page; null on the last page.',
    }),
  },
  { additionalProperties: false },
);
export const EventParams = Type.Object({ id: Type.String() }, { additionalProperties: false });
export type EventParams = Static<typeof EventParams>;
export const ListEventsQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    type: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Only events of this type.' }),
    ),
    since: Type.Optional(
      Type.String({ format: 'date-time', description: 'Inclusive lower bound on createdAt.' }),
    ),
    until: Type.Optional(
      Type.String({ format: 'date-time', description: 'Exclusive upper bound on createdAt.' }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' }),
    ),
  },
  { additionalProperties: false },
);
export type ListEventsQuery = Static<typeof ListEventsQuery>;

export const RedeliverBody = Type.Object(
  { endpointId: Type.Optional(WebhookEndpointId) },
  { additionalProperties: false },
);
export type RedeliverBody = Static<typeof RedeliverBody>;
export const Redelivery = Type.Object(
  {
    eventId: Type.String(),
    deliveries: Type.Integer({ description: 'How many deliveries were queued.' }),
  },
  { additionalProperties: false },
);
