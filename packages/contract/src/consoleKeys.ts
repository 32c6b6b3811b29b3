import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

/**
 * API keys from the console (`/console/api/keys…`): admins list them, owners create, rotate and
 * revoke them. A secret is answered once, by the call that creates it; lists never carry one.
 * Like the rest of the console's own API, out of the public OpenAPI document.
 */

const Environment = Type.Union([Type.Literal('sandbox'), Type.Literal('production')]);

export const ConsoleApiKeyId = Type.String({ pattern: '^key_[0-9A-Za-z]{4,64}$' });

export const ConsoleApiKey = Type.Object(
  {
    id: ConsoleApiKeyId,
    prefix: Type.String({ description: 'The first characters of the secret, to recognise it.' }),
    environment: Environment,
    state: Type.Union([
      Type.Literal('active'),
      Type.Literal('rotating'),
      Type.Literal('expired'),
      Type.Literal('revoked'),
    ]),
    createdAt: Timestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When a rotated key stops working.',
    }),
    revokedAt: Type.Union([Timestamp, Type.Null()]),
    replacedBy: Type.Union([Type.String(), Type.Null()]),
    audience: Type.String(),
    lastUsedAt: Type.Union([Timestamp, Type.Null()], {
      description: 'When a request last used the key, to the minute; null if never.',
    }),
  },
  { additionalProperties: false },
);
export type ConsoleApiKey = Static<typeof ConsoleApiKey>;

export const ConsoleApiKeyQuery = Type.Object(
  { environment: Environment },
  { additionalProperties: false },
);
export type ConsoleApiKeyQuery = Static<typeof ConsoleApiKeyQuery>;

export const ConsoleApiKeyList = Type.Object(
  { data: Type.Array(ConsoleApiKey) },
  { additionalProperties: false },
);

export const CreateConsoleApiKeyBody = Type.Object(
  { environment: Environment },
  { additionalProperties: false },
);
export type CreateConsoleApiKeyBody = Static<typeof CreateConsoleApiKeyBody>;

export const ConsoleApiKeyParams = Type.Object(
  { id: ConsoleApiKeyId },
  { additionalProperties: false },
);
export type ConsoleApiKeyParams = Static<typeof ConsoleApiKeyParams>;

/** At most 30 days: long enough for any deploy, short enough that old keys die. */
export const RotateConsoleApiKeyBody = Type.Object(
  {
    graceSeconds: Type.Integer({
      minimum: 0,
      maximum: 30 * 24 * 3600,
      description: 'How long the old key keeps working; 0 retires it at once.',
    }),
  },
  { additionalProperties: false },
);
export type RotateConsoleApiKeyBody = Static<typeof RotateConsoleApiKeyBody>;

export const IssuedConsoleApiKey = Type.Object(
  {
    key: ConsoleApiKey,
    secret: Type.String({ description: 'The secret key. Shown once: KEYRA keeps only its hash.' }),
    previous: Type.Optional(ConsoleApiKey),
  },
  { additionalProperties: false },
);
