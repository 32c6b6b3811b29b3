import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, randomBase62, systemRandom, type RandomBytes } from '../ids.js';
import { hashApiKey } from '../keys/apiKeys.js';
import type { OAuthClientStore } from '../ports.js';
import type { WebhookUrlGuard } from '../webhooks/webhookUrlGuard.js';
import { DELIVERY_MODES, type DeliveryMode, type OAuthClientRecord } from './cibaRecords.js';

export interface CreateOAuthClientInput {
  name: string;
  /** Default `poll`. */
  deliveryMode?: DeliveryMode;
  /** The `client_notification_endpoint`: required for ping and push, refused for poll. */
  notifyUrl?: string | null;
}

export interface CreateOAuthClientDeps {
  store: OAuthClientStore;
  /** The same SSRF guard as webhook URLs: notifications go out through the webhook worker. */
  urlGuard: WebhookUrlGuard;
  now: EpochMs;
  random?: RandomBytes;
}

export interface IssuedOAuthClient {
  record: OAuthClientRecord;
  /** `cs_…`, shown once; only its SHA-256 is stored. */
  secret: string;
}

/** 32 base62 characters ≈ 190 bits, like API keys: a plain SHA-256 stores it safely. */
const SECRET_LENGTH = 32;
export const CLIENT_NAME_MAX_LENGTH = 100;

/** SHA-256 hex of a client secret: the only form that reaches the database. */
export function hashClientSecret(secret: string): string {
  return hashApiKey(secret);
}

/**
 * Registers an OAuth client of the CIBA front door in `scope`. Checks, in order: a printable name
 * of at most 100 characters; a known delivery mode; a notification URL exactly for ping and push,
 * passing the webhook SSRF guard (https, no credentials, a public address). Returns the secret
 * once.
 */
export async function createOAuthClient(
  scope: Scope,
  input: CreateOAuthClientInput,
  deps: CreateOAuthClientDeps,
): Promise<IssuedOAuthClient> {
  const refuse = (message: string): never => {
    throw new KeyraError('validation_failed', message);
  };
  const name = input.name.trim();
  if (name.length === 0 || name.length > CLIENT_NAME_MAX_LENGTH || /\p{Cc}/u.test(name))
    refuse(`The client name must be 1 to ${CLIENT_NAME_MAX_LENGTH} printable characters.`);
  const deliveryMode = input.deliveryMode ?? 'poll';
  if (!DELIVERY_MODES.includes(deliveryMode))
    refuse(`The delivery mode must be poll, ping or push; got ${JSON.stringify(deliveryMode)}.`);
  const notifyUrl = input.notifyUrl ?? null;
  if (deliveryMode === 'poll' && notifyUrl !== null)
    refuse('A poll client has no notification URL; use --delivery ping or push with --notify-url.');
  if (deliveryMode !== 'poll') {
    if (notifyUrl === null) refuse(`A ${deliveryMode} client needs a notification URL.`);
    const refusal = await deps.urlGuard.check(notifyUrl as string);
    if (refusal)
      throw new KeyraError(
        'invalid_webhook_url',
        `The notification URL was refused: ${refusal.message}.`,
        { details: [{ field: 'notifyUrl', issue: refusal.reason }] },
      );
  }
  const random = deps.random ?? systemRandom;
  const secret = `cs_${randomBase62(SECRET_LENGTH, random)}`;
  const record: OAuthClientRecord = {
    id: newId('oauthClient', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    name,
    secretHash: hashClientSecret(secret),
    deliveryMode,
    notifyUrl,
    createdAt: deps.now,
    revokedAt: null,
  };
  await deps.store.insert(record);
  return { record, secret };
}
