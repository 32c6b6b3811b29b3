import type { Storage } from '@keyra/core';
import type { Kysely } from 'kysely';
import type { Database, DatabaseKind } from './schema.js';
import { createApiKeyStore } from './stores/createApiKeyStore.js';
import { createChallengeStore } from './stores/createChallengeStore.js';
import { createIdempotencyStore } from './stores/createIdempotencyStore.js';
import { createTenantStore } from './stores/createTenantStore.js';
import { createDeviceStore } from './stores/createDeviceStore.js';
import { createCeremonyStore } from './stores/createCeremonyStore.js';
import { createEventStore } from './stores/createEventStore.js';
import { createSigningKeyStore } from './stores/createSigningKeyStore.js';
import { createServerStateStore } from './stores/createServerStateStore.js';
import { createWebhookEndpointStore } from './stores/createWebhookEndpointStore.js';
import { createWebhookDeliveryStore } from './stores/createWebhookDeliveryStore.js';
import { createVoiceStore } from './stores/createVoiceStore.js';
import { createStampStore } from './stores/createStampStore.js';
import { createUsageStore } from './stores/createUsageStore.js';
import { createOAuthClientStore } from './stores/createOAuthClientStore.js';
import { createCibaRequestStore } from './stores/createCibaRequestStore.js';
import { createAuditStore } from './stores/createAuditStore.js';
import type { Sealing } from './sealer.js';
import { createConsoleStore } from './stores/createConsoleStore.js';
import { createApproverGroupStore, createPolicyStore } from './stores/createPolicyStore.js';

export type Stores = Omit<Storage, 'transaction' | 'close' | 'ping' | 'watchDeliveries'>;

/**
 * The stores bound to `db`: the root Kysely instance or one transaction. `onDeliveriesQueued` runs
 * after webhook deliveries were inserted through them, `sealing.pending` after a row to seal was
 * (PostgreSQL: an audit entry, a usage record); the caller decides when that is committed.
 */
export function createStores(
  db: Kysely<Database>,
  kind: DatabaseKind,
  onDeliveriesQueued: () => void = () => {},
  sealing: Sealing | null = null,
): Stores {
  const webhookEndpoints = createWebhookEndpointStore(db);
  const cibaRequests = createCibaRequestStore(db);
  return {
    kind,
    tenants: createTenantStore(db),
    apiKeys: createApiKeyStore(db),
    challenges: createChallengeStore(db, kind, sealing),
    idempotency: createIdempotencyStore(db, kind),
    devices: createDeviceStore(db),
    ceremonies: createCeremonyStore(db),
    events: createEventStore(db, kind, { endpoints: webhookEndpoints, cibaRequests }),
    webhookEndpoints,
    webhookDeliveries: createWebhookDeliveryStore(db, kind, onDeliveriesQueued),
    signingKeys: createSigningKeyStore(db),
    serverState: createServerStateStore(db),
    voice: createVoiceStore(db),
    stamps: createStampStore(db, kind),
    usage: createUsageStore(db, kind, sealing),
    oauthClients: createOAuthClientStore(db),
    cibaRequests,
    audit: createAuditStore(db, kind, sealing),
    console: createConsoleStore(db),
    policies: createPolicyStore(db),
    approverGroups: createApproverGroupStore(db),
  };
}
