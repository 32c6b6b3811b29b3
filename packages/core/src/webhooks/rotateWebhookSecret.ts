import type { EpochMs, Scope } from '../domain.js';
import type { Storage } from '../ports.js';
import { endpointNotFound, findWebhookEndpoint } from './findWebhookEndpoint.js';
import { newSealedSecret, type WebhookSecretDeps } from './webhookSecret.js';
import type { WebhookEndpointRecord } from './webhookRecords.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface RotateWebhookSecretDeps extends WebhookSecretDeps {
  storage: Pick<Storage, 'webhookEndpoints' | 'transaction'>;
  /** How long the replaced secret keeps signing deliveries next to the new one. */
  overlapMs: number;
  now: EpochMs;
}

export interface RotatedWebhookSecret {
  endpoint: WebhookEndpointRecord;
  /** The new signing secret in clear: return it to the caller once. */
  secret: string;
}

/**
 * Gives an endpoint a new signing secret. Checks, in order: the id's shape (400 `invalid_id`); the
 * endpoint exists here and is not deleted (404 `webhook_endpoint_not_found`). Then one write stores
 * the new sealed secret and keeps the current one as the previous secret until `now + overlapMs`,
 * so receivers that still hold it verify deliveries during the switch (each delivery carries a
 * signature per secret). A rotation within the overlap replaces the older previous secret.
 */
export async function rotateWebhookSecret(
  scope: Scope,
  endpointId: string,
  deps: RotateWebhookSecretDeps,
): Promise<RotatedWebhookSecret> {
  const { now } = deps;
  const endpoint = await findWebhookEndpoint(scope, endpointId, deps.storage.webhookEndpoints);
  const { secret, sealed } = newSealedSecret(endpoint.id, deps);
  const rotated = await deps.storage.transaction(async (tx) => {
    const record = await tx.webhookEndpoints.rotateSecret(
      scope,
      endpoint.id,
      sealed,
      endpoint.sealedSecret,
      now + deps.overlapMs,
      now,
    );
    if (record)
      await appendAudit(
        tx,
        scope,
        {
          type: 'webhook_endpoint.secret_rotated',
          subject: record.id,
          data: { previousSecretExpiresAt: new Date(now + deps.overlapMs).toISOString() },
        },
        now,
        deps.random,
      );
    return record;
  });
  if (!rotated) throw endpointNotFound(endpoint.id);
  return { endpoint: rotated, secret };
}
