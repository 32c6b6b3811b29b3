import type { EpochMs, Scope } from '../domain.js';
import type { Storage, WebhookEndpointPatch } from '../ports.js';
import { endpointNotFound, findWebhookEndpoint } from './findWebhookEndpoint.js';
import { assertWebhookUrl, type WebhookUrlGuard } from './webhookUrlGuard.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface UpdateWebhookEndpointDeps {
  storage: Pick<Storage, 'webhookEndpoints' | 'transaction'>;
  urls: WebhookUrlGuard;
  now: EpochMs;
}

/**
 * Changes an endpoint's url, events, description or enabled flag; enabling clears a failure state
 * (`disabledReason`, `failingSince`). Checks, in order: the id's shape (400 `invalid_id`); the
 * endpoint exists here and is not deleted (404 `webhook_endpoint_not_found`); a new URL passes the
 * guard (400 `invalid_webhook_url`). Then one write (with its audit entry), which misses (404) if the endpoint was
 * deleted meanwhile.
 */
export async function updateWebhookEndpoint(
  scope: Scope,
  endpointId: string,
  patch: WebhookEndpointPatch,
  deps: UpdateWebhookEndpointDeps,
): Promise<WebhookEndpointRecord> {
  await findWebhookEndpoint(scope, endpointId, deps.storage.webhookEndpoints);
  if (patch.url !== undefined) await assertWebhookUrl(deps.urls, patch.url);
  const updated = await deps.storage.transaction(async (tx) => {
    const record = await tx.webhookEndpoints.update(scope, endpointId, patch, deps.now);
    if (record)
      await appendAudit(
        tx,
        scope,
        { type: 'webhook_endpoint.updated', subject: record.id, data: { ...patch } },
        deps.now,
      );
    return record;
  });
  if (!updated) throw endpointNotFound(endpointId);
  return updated;
}
