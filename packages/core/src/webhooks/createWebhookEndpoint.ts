import type { EpochMs, Scope } from '../domain.js';
import { newId, systemRandom } from '../ids.js';
import type { Storage } from '../ports.js';
import { assertWebhookUrl, type WebhookUrlGuard } from './webhookUrlGuard.js';
import { newSealedSecret, type WebhookSecretDeps } from './webhookSecret.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface CreateWebhookEndpointInput {
  url: string;
  /** Event types, or `['*']` for all. */
  events: string[];
  description?: string | null;
  /** Default true. */
  enabled?: boolean;
}

export interface CreateWebhookEndpointDeps extends WebhookSecretDeps {
  storage: Pick<Storage, 'transaction'>;
  urls: WebhookUrlGuard;
  now: EpochMs;
}

export interface CreatedWebhookEndpoint {
  endpoint: WebhookEndpointRecord;
  /** The signing secret `whsec_…` in clear: return it to the caller once, it is stored sealed only. */
  secret: string;
}

/**
 * Creates a webhook endpoint with a new signing secret. Checks, in order: the URL passes the guard
 * (400 `invalid_webhook_url`). Then the secret is generated, sealed with the endpoint id as
 * associated data, and the endpoint and its audit entry are stored in one transaction.
 */
export async function createWebhookEndpoint(
  scope: Scope,
  input: CreateWebhookEndpointInput,
  deps: CreateWebhookEndpointDeps,
): Promise<CreatedWebhookEndpoint> {
  await assertWebhookUrl(deps.urls, input.url);
  const { now } = deps;
  const id = newId('webhookEndpoint', deps.random ?? systemRandom);
  const { secret, sealed } = newSealedSecret(id, deps);
  const endpoint: WebhookEndpointRecord = {
    id,
    tenantId: scope.tenantId,
    environment: scope.environment,
    url: input.url,
    description: input.description ?? null,
    events: input.events,
    enabled: input.enabled ?? true,
    sealedSecret: sealed,
    sealedPreviousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: now,
    updatedAt: now,
    failingSince: null,
    disabledReason: null,
    deletedAt: null,
  };
  await deps.storage.transaction(async (tx) => {
    await tx.webhookEndpoints.insert(endpoint);
    await appendAudit(
      tx,
      scope,
      {
        type: 'webhook_endpoint.created',
        subject: id,
        data: { url: endpoint.url, events: endpoint.events, enabled: endpoint.enabled },
      },
      now,
      deps.random,
    );
  });
  return { endpoint, secret };
}
