import { createSecretBox, systemClock, type Clock, type Storage } from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { bootstrapSandbox } from './bootstrap.js';
import { cibaIssuer, ConfigError, redactUrl, type ServerConfig } from './config.js';
import { createProofSigner } from './approval/createProofSigner.js';
import { startMaintenanceJobs, type BackgroundJob } from './jobs/startMaintenanceJobs.js';
import type { RateLimitStore } from './ratelimit/rateLimitStore.js';
import { createMemoryRateLimitStore } from './ratelimit/createMemoryRateLimitStore.js';
import { createRedisRateLimitStore } from './ratelimit/createRedisRateLimitStore.js';
import { loadServerSecret } from './loadServerSecret.js';
import { startWebhookWorker, type WebhookWorker } from './webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from './webhooks/webhookSecrets.js';
import { createStampIssuer } from './stamps/createStampIssuer.js';
import { loadEasAttester } from './stamps/createEasAttester.js';
import { startChainMirror, type ChainMirror } from './stamps/startChainMirror.js';
import { EAS_INSTALL_HINT } from './stamps/loadEas.js';

/** PostgreSQL connections of the webhook worker's own pool (up to 16 deliveries in flight). */
const WORKER_POOL_SIZE = 4;

export interface RunningServer {
  app: FastifyInstance;
  storage: Storage;
  /** `http://host:port` the server listens on. */
  url: string;
  /** Set on the first start against an empty database: where the sandbox key was written. */
  sandboxKeyFile: string | null;
  /** Stops accepting connections, finishes in-flight requests and jobs, closes the database. */
  close(): Promise<void>;
}

export interface StartServerOptions {
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
}

/**
 * Opens the database (migrating it to the current schema), bootstraps a sandbox key on first run,
 * connects the rate-limit store, starts the expiry job and listens. The one place that binds a port.
 */
export async function startServer(
  config: ServerConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  // SQLite: WAL checkpoints in a worker thread, off the request path (no effect on PostgreSQL).
  const storage = await openStorage(config.databaseUrl, {
    backgroundCheckpointMs: 1000,
    preparedStatements: config.databasePreparedStatements,
    poolSize: config.databasePoolSize,
  });
  // Through the server's own connection, so that `sqlite::memory:` (one database per connection)
  // is migrated too.
  await migrateToLatest(storage);
  let rateLimitStore: RateLimitStore | undefined;
  let job: BackgroundJob | undefined;
  let worker: WebhookWorker | undefined;
  let mirror: ChainMirror | undefined;
  let deliveryStorage: Storage | undefined;
  try {
    const bootstrap = await bootstrapSandbox(storage, config.dataDir, clock);
    const secret = await loadServerSecret(config.dataDir);
    rateLimitStore = config.redisUrl
      ? await createRedisRateLimitStore(config.redisUrl)
      : createMemoryRateLimitStore();
    const app = await buildApp({
      config,
      storage,
      serverSecret: secret.value,
      clock,
      rateLimitStore,
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    if (config.port === 0 && !process.env.KEYRA_PUBLIC_URL) config.publicUrl = url;
    app.log.info(
      {
        url,
        database: redactUrl(config.databaseUrl),
        redis: config.redisUrl ? redactUrl(config.redisUrl) : null,
        dev: config.dev,
      },
      'keyra listening',
    );
    // Signs with the keys the JWKS publishes: CIBA push ID tokens and audit checkpoints.
    const proofKeySigner = createProofSigner(
      storage.signingKeys,
      createSecretBox(secret.value, 'signing-keys'),
      () => config.publicUrl,
    );
    const attester = await loadEasAttester(config.eas, storage.serverState, secret.value);
    if (!attester) {
      if (config.eas.chain)
        throw new ConfigError(`KEYRA_EAS_RPC_URL is set, but ${EAS_INSTALL_HINT}`);
      app.log.warn(`Stamps will carry no EAS off-chain attestation: ${EAS_INSTALL_HINT}`);
    }
    job = startMaintenanceJobs(
      storage,
      clock,
      {
        expirySweepIntervalMs: config.expirySweepIntervalMs,
        idempotencyRetentionMs: config.idempotencyRetentionMs,
        auditCheckpoints: {
          intervalMs: config.auditCheckpointIntervalMs,
          signer: proofKeySigner,
          // With EAS installed, each periodic checkpoint is stamped too (docs/audit.md).
          stamping: attester
            ? {
                issuer: createStampIssuer({
                  tenants: storage.tenants,
                  signer: proofKeySigner,
                  attester,
                  eas: config.eas,
                }),
                storage,
              }
            : null,
        },
      },
      app.log,
    );
    const expiryJob = job;
    // PostgreSQL: the webhook worker gets a small pool of its own, so under load its claims and
    // attempt records do not wait behind API requests for the main pool's connections. It is
    // still woken by the commits made through the main storage.
    deliveryStorage =
      storage.kind === 'postgres'
        ? await openStorage(config.databaseUrl, {
            poolSize: WORKER_POOL_SIZE,
            preparedStatements: config.databasePreparedStatements,
          })
        : storage;
    const workerStorage = deliveryStorage;
    // CIBA push notifications carry ID tokens, signed with the keys the JWKS publishes.
    const idTokenSigner = proofKeySigner;
    worker = startWebhookWorker({
      idTokens: {
        issuer: () => cibaIssuer(config),
        sign: (claims, now) => idTokenSigner.signIdToken(claims, now),
      },
      storage: workerStorage,
      wakeSource: storage,
      clock,
      box: createWebhookSecretBox(secret.value),
      log: app.log,
      dev: config.dev,
      disableAfterMs: config.webhooks.disableAfterMs,
      metrics: app.metrics,
      concurrency: config.webhooks.concurrency,
    });
    const webhookWorker = worker;
    if (attester && config.eas.chain) {
      mirror = startChainMirror({
        storage,
        clock,
        log: app.log,
        eas: { ...config.eas, chain: config.eas.chain },
        attester,
      });
      app.log.info(
        {
          chainId: config.eas.chainId,
          contract: config.eas.contract,
          schemaUid: attester.schemaUid,
        },
        'mirroring stamps on chain',
      );
    }
    const chainMirror = mirror;
    let closing: Promise<void> | null = null;
    return {
      app,
      storage,
      url,
      sandboxKeyFile: bootstrap.keyFile,
      close() {
        closing ??= (async () => {
          await expiryJob.stop();
          await webhookWorker.stop();
          await chainMirror?.stop();
          await app.close();
          if (workerStorage !== storage) await workerStorage.close();
          await storage.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await job?.stop();
    await worker?.stop();
    await mirror?.stop();
    await rateLimitStore?.close();
    if (deliveryStorage && deliveryStorage !== storage) await deliveryStorage.close();
    await storage.close();
    throw error;
  }
}
