import type { EpochMs, Scope } from '../domain.js';
import type { Storage } from '../ports.js';
import { findWebhookEndpoint } from './findWebhookEndpoint.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface DeleteWebhookEndpointDeps {
  storage: Pick<Storage, 'webhookEndpoints' | 'transaction'>;
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
  const endpoint = await findWebhookEndpoint(scope, endpointId, deps.storage.webhookEndpoints);
  await deps.storage.transaction(async (tx) => {
    if (await tx.webhookEndpoints.delete(scope, endpoint.id, deps.now))
      await appendAudit(
        tx,
        scope,
        { type: 'webhook_endpoint.deleted', subject: endpoint.id, data: { url: endpoint.url } },
        deps.now,
      );
  });
  return { ...endpoint, enabled: false };
}
