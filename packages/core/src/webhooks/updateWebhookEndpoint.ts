import type { EpochMs, Scope } from '../domain.js';
import type { WebhookEndpointPatch, WebhookEndpointStore } from '../ports.js';
import { endpointNotFound, findWebhookEndpoint } from './findWebhookEndpoint.js';
import { assertWebhookUrl, type WebhookUrlGuard } from './webhookUrlGuard.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';

export interface UpdateWebhookEndpointDeps {
  store: WebhookEndpointStore;
  urls: WebhookUrlGuard;
  now: EpochMs;
}

/**
 * Changes an endpoint's url, events, description or enabled flag; enabling clears a failure state
 * (`disabledReason`, `failingSince`). Checks, in order: the id's shape (400 `invalid_id`); the
 * endpoint exists here and is not deleted (404 `webhook_endpoint_not_found`); a new URL passes the
 * guard (400 `invalid_webhook_url`). Then one write, which misses (404) if the endpoint was
 * deleted meanwhile.
 */
export async function updateWebhookEndpoint(
  scope: Scope,
  endpointId: string,
  patch: WebhookEndpointPatch,
  deps: UpdateWebhookEndpointDeps,
): Promise<WebhookEndpointRecord> {
  await findWebhookEndpoint(scope, endpointId, deps.store);
  if (patch.url !== undefined) await assertWebhookUrl(deps.urls, patch.url);
  const updated = await deps.store.update(scope, endpointId, patch, deps.now);
  if (!updated) throw endpointNotFound(endpointId);
  return updated;
}
