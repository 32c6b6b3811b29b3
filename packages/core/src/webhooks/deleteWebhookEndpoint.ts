import type { EpochMs, Scope } from '../domain.js';
import type { WebhookEndpointStore } from '../ports.js';
import { findWebhookEndpoint } from './findWebhookEndpoint.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';

export interface DeleteWebhookEndpointDeps {
  store: WebhookEndpointStore;
  now: EpochMs;
}

/**
 * Deletes an endpoint: it receives nothing more and disappears from lists. Checks, in order: the
 * id's shape (400 `invalid_id`); the endpoint exists here and is not deleted (404
 * `webhook_endpoint_not_found`). Then one write marks it deleted and disabled. Returns the endpoint
 * as it was, disabled.
 */
export async function deleteWebhookEndpoint(
  scope: Scope,
  endpointId: string,
  deps: DeleteWebhookEndpointDeps,
): Promise<WebhookEndpointRecord> {
  const endpoint = await findWebhookEndpoint(scope, endpointId, deps.store);
  await deps.store.delete(scope, endpoint.id, deps.now);
  return { ...endpoint, enabled: false };
}
