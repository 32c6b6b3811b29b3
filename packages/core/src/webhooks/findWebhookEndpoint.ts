import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { isIdOf } from '../ids.js';
import type { WebhookEndpointStore } from '../ports.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';

/**
 * The live endpoint `id` of this tenant and environment. Checks the id's shape (400 `invalid_id`,
 * it may come from a body) and then that it exists and is not deleted (404
 * `webhook_endpoint_not_found`, also for another tenant's endpoint).
 */
export async function findWebhookEndpoint(
  scope: Scope,
  id: string,
  store: WebhookEndpointStore,
): Promise<WebhookEndpointRecord> {
  if (!isIdOf('webhookEndpoint', id))
    throw new KeyraError('invalid_id', `"${id.slice(0, 80)}" is not a webhook endpoint id (we_…).`);
  const endpoint = await store.find(scope, id);
  if (!endpoint) throw endpointNotFound(id);
  return endpoint;
}

/** The 404 for an endpoint that is absent, deleted or of another tenant. */
export function endpointNotFound(id: string): KeyraError {
  return new KeyraError(
    'webhook_endpoint_not_found',
    `No webhook endpoint ${id} in this environment.`,
  );
}
