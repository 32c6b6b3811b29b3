import type { EpochMs, EventRecord, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { findWebhookEndpoint } from './findWebhookEndpoint.js';
import { queueDeliveries } from './recordEvent.js';

export interface SendTestEventDeps {
  storage: Pick<Storage, 'transaction' | 'webhookEndpoints'>;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Sends a signed `ping` event to one endpoint, so an integrator can check their receiver (URL,
 * signature check, response) without waiting for a real approval. Checks, in order: the endpoint
 * id's shape and existence here (400 `invalid_id`, 404 `webhook_endpoint_not_found`) and that it
 * is enabled (400 `validation_failed`). Then one transaction writes the event and a delivery to
 * this endpoint only — never to other endpoints, whatever they subscribe to — and the worker
 * signs and sends it like any other (same retries, same delivery log).
 */
export async function sendTestEvent(
  scope: Scope,
  endpointId: string,
  deps: SendTestEventDeps,
): Promise<EventRecord> {
  const endpoint = await findWebhookEndpoint(scope, endpointId, deps.storage.webhookEndpoints);
  if (!endpoint.enabled) {
    throw new KeyraError(
      'validation_failed',
      `Webhook endpoint ${endpoint.id} is disabled; enable it (PATCH {"enabled": true}) before sending it a test event.`,
      { details: [{ field: 'id', issue: 'endpoint_disabled' }] },
    );
  }
  const random = deps.random ?? systemRandom;
  const event: EventRecord = {
    id: newId('event', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    type: 'ping',
    data: {
      endpointId: endpoint.id,
      message: 'A test event from KEYRA: verify its signature and answer 2xx.',
    },
    createdAt: deps.now,
  };
  await deps.storage.transaction(async (tx) => {
    await tx.events.insert(event);
    await queueDeliveries(tx, event, [endpoint], deps.now, random);
  });
  return event;
}
