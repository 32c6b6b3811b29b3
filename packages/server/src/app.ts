import { randomUUID } from 'node:crypto';
import {
  DEFAULT_CONSOLE_SESSION_POLICY,
  systemClock,
  type Clock,
  type ConsoleSessionPolicy,
  type Storage,
} from '@keyra/core';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { cibaIssuer, type ServerConfig } from './config.js';
import { authenticateRequest } from './http/authenticate.js';
import { authenticateConsoleRequest, isConsoleRequest } from './http/authenticateConsole.js';
import { CONSOLE_ACCESS, consoleAccessKey } from './http/consoleAccess.js';
import { recordConsoleAction } from './http/recordConsoleAction.js';
import { cacheApiKeys } from './http/cacheApiKeys.js';
import { apiKeyUseRecorder } from './http/recordApiKeyUse.js';
import { handleError } from './http/errorHandler.js';
import { prettyStdoutDestination, stdoutDestination } from './http/logDestination.js';
import { beginIdempotentRequest, finishIdempotentRequest } from './http/idempotency.js';
import { registerMetrics, type KeyraMetrics, type PoolStats } from './http/metrics.js';
import { enforceRateLimit } from './http/rateLimit.js';
import { createSerializerCompiler, createValidatorCompiler } from './http/validation.js';
import { KEYRA_ICON_SVG, KEYRA_LOGO_SVG } from './http/keyraLogo.js';
import { refineOpenApi } from './http/refineOpenApi.js';
import './http/requestContext.js';
import { KeyraError } from '@keyra/core';
import type { RateLimitStore } from './ratelimit/rateLimitStore.js';
import { createMemoryRateLimitStore } from './ratelimit/createMemoryRateLimitStore.js';
import { challengeRoutes } from './routes/challenges/challengeRoutes.js';
import { credentialRoutes } from './routes/credentials/credentialRoutes.js';
import { deviceRoutes } from './routes/devices/deviceRoutes.js';
import { jwksRoutes } from './routes/wellknown/jwksRoutes.js';
import { consoleRoutes } from './routes/console/consoleRoutes.js';
import { consoleApiRoutes } from './routes/console/consoleApiRoutes.js';
import { webhookRoutes } from './routes/webhooks/webhookRoutes.js';
import { eventRoutes } from './routes/webhooks/eventRoutes.js';
import { auditRoutes } from './routes/audit/auditRoutes.js';
import { policyRoutes } from './routes/policies/policyRoutes.js';
import { approverGroupRoutes } from './routes/policies/approverGroupRoutes.js';
import { createWebhookSecretBox } from './webhooks/webhookSecrets.js';
import { loadApprovalServices } from './approval/loadApprovalServices.js';
import { createChallengeNotifier } from './approval/challengeNotifier.js';
import { createDeviceSessionTokens } from './approval/deviceSessionTokens.js';
import { deviceApiRoutes } from './routes/device-api/deviceApiRoutes.js';
import { systemRoutes } from './routes/system/systemRoutes.js';
import { voiceRoutes } from './routes/voice/voiceRoutes.js';
import { voiceEnrollmentRoutes } from './routes/voice/voiceEnrollmentRoutes.js';
import { stampRoutes } from './routes/stamps/stampRoutes.js';
import { usageRoutes } from './routes/usage/usageRoutes.js';
import { mcpRoutes } from './routes/mcp/mcpRoutes.js';
import { discoveryRoutes } from './routes/oauth/discoveryRoutes.js';
import { oauthRoutes } from './routes/oauth/oauthRoutes.js';
import type { VoiceEngine } from './voice/createVoiceEngine.js';

export interface BuildAppOptions {
  config: ServerConfig;
  storage: Storage;
  /** Seals secrets at rest and derives per-tenant keys; see `loadServerSecret`. */
  serverSecret: Buffer;
  clock?: Clock;
  rateLimitStore?: RateLimitStore;
  /** Speech machinery of the voice routes (default: created on first use, closed with the app). */
  voiceEngine?: VoiceEngine;
  /** How long console sessions live (default: 30 min idle, 12 h absolute). */
  consoleSessionPolicy?: ConsoleSessionPolicy;
  /** Fastify/pino logger options; `false` silences logs (tests). */
  logger?: FastifyServerOptions['logger'];
}

/** A registered route; `hidden` ones (health, metrics, docs assets) are not in the OpenAPI document. */
export interface RouteEntry {
  method: string;
  url: string;
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
    /** Aborted when the app starts closing: long waits (device long-polls) answer at once. */
    closingSignal: AbortSignal;
    /** Prometheus metrics; routes and the webhook worker count business events here. */
    metrics: KeyraMetrics;
  }
}

/** Matches concrete paths against a route pattern such as `/v1/challenges/:id`. */
function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) =>
      part.startsWith(':')
        ? '[^/]+'
        : part === '*'
          ? '.*'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}/?$`);
}

export const API_VERSION = '0.1.0';

/**
 * The pino options every KEYRA server uses: JSON lines, with credentials redacted even if a
 * future serializer starts including headers. Request bodies are never logged.
 */
export function loggerOptions(
  level: ServerConfig['logLevel'],
  format: ServerConfig['logFormat'] = 'json',
): FastifyServerOptions['logger'] {
  return {
    level,
    stream: format === 'pretty' ? prettyStdoutDestination() : stdoutDestination(),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
}

/**
 * Builds the HTTP application without listening: tests drive it with `app.inject()`, and
 * `main.ts` is the only place that binds a port.
 */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config, storage } = options;
  const clock = options.clock ?? systemClock;
  const rateLimitStore = options.rateLimitStore ?? createMemoryRateLimitStore();

  const app = Fastify({
    logger: options.logger ?? loggerOptions(config.logLevel, config.logFormat),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: () => `req_${randomUUID().replace(/-/g, '')}`,
    // One line per request, written when it is answered (below), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Our own hook answers during shutdown, so the 503 has the usual error body.
    return503OnClosing: false,
    ajv: { customOptions: { removeAdditional: false } },
    routerOptions: { ignoreTrailingSlash: true },
  });
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    const hidden =
      Boolean((route.schema as { hide?: boolean } | undefined)?.hide) ||
      route.url.startsWith('/docs');
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, hidden });
  });
  app.setValidatorCompiler(createValidatorCompiler());
  app.setSerializerCompiler(createSerializerCompiler());
  app.setErrorHandler(handleError);
  app.decorateRequest('auth', null);
  app.decorateRequest('idempotencyClaim', null);
  app.decorateRequest('consoleSession', null);
  let closing = false;
  const shutdown = new AbortController();
  app.decorate('closingSignal', shutdown.signal);
  app.addHook('preClose', async () => {
    closing = true;
    shutdown.abort();
  });
  // Callback-style hooks on every request: no promise per hook.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('Request-Id', request.id);
    if (!closing) return done();
    done(
      new KeyraError(
        'service_unavailable',
        'The server is shutting down; retry on another instance.',
        {
          headers: { Connection: 'close', 'Retry-After': '1' },
        },
      ),
    );
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        // OAuth forbids credentials in the query, but a client may still send them: never log it.
        url: request.url.startsWith('/oauth/') ? request.url.split('?')[0] : request.url,
        statusCode: reply.statusCode,
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
    done();
  });
  app.setNotFoundHandler(async (request) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routeTable
      .filter((route) => routePattern(route.url).test(path))
      .map((route) => route.method);
    if (allowed.length > 0) {
      throw new KeyraError(
        'method_not_allowed',
        `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}.`,
        {
          headers: { Allow: [...new Set(allowed)].join(', ') },
        },
      );
    }
    throw new KeyraError('route_not_found', `No route ${request.method} ${path}. See /docs.`);
  });

  // `@keyra/storage` reports its pool (`DatabaseStorage.poolStats`); the core port does not.
  const pool = (storage as Storage & { poolStats?: () => PoolStats }).poolStats;
  const metrics = registerMetrics(app, {
    storage,
    ...(pool ? { poolStats: () => pool.call(storage) } : {}),
  });
  app.decorate('metrics', metrics);
  const { registry } = metrics;
  const approval = await loadApprovalServices(storage, options.serverSecret, config, clock.now());
  const notifier = createChallengeNotifier();

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'KEYRA API',
        version: API_VERSION,
        description:
          'Hardware-rooted human authorization: challenges, verification and signed proofs. Authenticate with `Authorization: Bearer sk_…` or `x-api-key: sk_…`.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      // Relative: the Swagger UI and generated clients call whichever host served the document.
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A secret key, `sk_test_…` or `sk_live_…`.',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          clientSecretBasic: {
            type: 'http',
            scheme: 'basic',
            description:
              'OpenID CIBA: the OAuth client id and secret (`keyra clients create`); `client_secret_post` sends them as `client_id` and `client_secret` form parameters instead.',
          },
        },
      },
      security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    },
    transformObject: (documentObject) =>
      refineOpenApi((documentObject as { openapiObject: unknown }).openapiObject),
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    logo: { type: 'image/svg+xml', content: KEYRA_LOGO_SVG, href: '/docs', target: '_self' },
    theme: {
      title: 'KEYRA API reference',
      favicon: [
        {
          filename: 'favicon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: KEYRA_ICON_SVG,
        },
      ],
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(systemRoutes, { storage, rateLimitStore, registry });
  await app.register(jwksRoutes, { signer: approval.signer });
  /** The per-IP shield of routes without a tenant key. */
  const limitPerIp = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const { windowMs, perIp } = config.rateLimit;
    await enforceRateLimit(
      rateLimitStore,
      { key: `ip:${request.ip}`, limit: perIp, windowMs },
      clock.now(),
      reply,
      request.log,
    );
  };
  // Stamps are public receipts: no key, but the per-IP limit.
  await app.register(async (publicApi) => {
    publicApi.addHook('onRequest', limitPerIp);
    await publicApi.register(stampRoutes, {
      stamps: storage.stamps,
      signer: approval.signer,
      attester: approval.attester,
      eas: config.eas,
    });
  });
  await app.register(consoleRoutes);

  // Console sign-in, sessions and members: per-IP shield, then the session's own checks.
  const consoleOrigins = [...approval.rp.origins, new URL(config.publicUrl).origin];
  const consolePolicy = options.consoleSessionPolicy ?? DEFAULT_CONSOLE_SESSION_POLICY;
  const recordConsoleActions = recordConsoleAction(storage.console, clock);
  // Created here so the console's key routes can drop a key they revoke or rotate at once.
  const apiKeys = cacheApiKeys(storage.apiKeys, { ttlMs: config.apiKeyCacheMs, clock });
  const recordKeyUse = apiKeyUseRecorder(storage.apiKeys, clock);
  await app.register(async (consoleApi) => {
    consoleApi.addHook('onRequest', limitPerIp);
    consoleApi.addHook('onResponse', recordConsoleActions);
    await consoleApi.register(consoleApiRoutes, {
      storage,
      clock,
      rp: approval.rp,
      policy: consolePolicy,
      allowedOrigins: consoleOrigins,
      publicUrl: () => config.publicUrl,
      forgetApiKey: (keyId) => apiKeys.forget(keyId),
      limitUser: (userId, request, reply) =>
        enforceRateLimit(
          rateLimitStore,
          {
            key: `console:${userId}`,
            limit: config.rateLimit.perKey,
            windowMs: config.rateLimit.windowMs,
          },
          clock.now(),
          reply,
          request.log,
        ),
    });
  });

  // The OpenID CIBA front door: clients authenticate with their own secret, not a tenant key.
  const issuer = (): string => cibaIssuer(config);
  await app.register(discoveryRoutes, { issuer, baseUrl: () => config.publicUrl });
  await app.register(async (oauth) => {
    oauth.addHook('onRequest', limitPerIp);
    await oauth.register(oauthRoutes, {
      storage,
      clock,
      signer: approval.signer,
      issuer,
      box: createWebhookSecretBox(options.serverSecret),
      intervalSeconds: config.ciba.intervalSeconds,
      notifier,
    });
  });

  // The device API authenticates devices by their own credential, not a tenant key.
  await app.register(async (deviceApi) => {
    deviceApi.addHook('onRequest', limitPerIp);
    await deviceApi.register(deviceApiRoutes, {
      storage,
      clock,
      approval,
      tokens: createDeviceSessionTokens(options.serverSecret),
      notifier,
    });
  });

  // Everything below needs a key: per-IP shield, authentication, per-key limit (and idempotency on /v1).
  /** Every route behind a key says what a console session may do with it (CONSOLE_ACCESS). */
  const requireConsoleAccessEntry = (route: { method: string | string[]; url: string }): void => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD' && !(consoleAccessKey(method, route.url) in CONSOLE_ACCESS))
        throw new Error(
          `${method} ${route.url} has no entry in CONSOLE_ACCESS (http/consoleAccess.ts): say which console role may call it.`,
        );
    }
  };
  /** The per-IP shield, then the API key (or console session), then the per-key limit. */
  const authenticateApi = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const now = clock.now();
    const { windowMs, perIp, perKey } = config.rateLimit;
    await enforceRateLimit(
      rateLimitStore,
      { key: `ip:${request.ip}`, limit: perIp, windowMs },
      now,
      reply,
      request.log,
    );
    // A console session (cookie, no key) stands in for a key; its user is limited like a key.
    request.auth = isConsoleRequest(request)
      ? await authenticateConsoleRequest(
          request,
          { console: storage.console, tenants: storage.tenants, allowedOrigins: consoleOrigins },
          now,
        )
      : await authenticateRequest(request, apiKeys, clock);
    if (!request.auth.keyId.startsWith('console:')) recordKeyUse(request.auth.keyId, request.log);
    await enforceRateLimit(
      rateLimitStore,
      {
        key: request.auth.keyId.startsWith('console:')
          ? request.auth.keyId
          : `key:${request.auth.keyId}`,
        limit: perKey,
        windowMs,
      },
      now,
      reply,
      request.log,
    );
  };
  // MCP (Streamable HTTP) for agents: the same authentication and limits, but JSON-RPC bodies and
  // no Idempotency-Key handling (a tool call streams its answer; there is no response to replay).
  await app.register(async (agents) => {
    agents.addHook('onRoute', requireConsoleAccessEntry);
    agents.addHook('onRequest', authenticateApi);
    await agents.register(mcpRoutes, { storage, clock, approval, notifier, version: API_VERSION });
  });
  await app.register(async (api) => {
    api.addHook('onRoute', requireConsoleAccessEntry);
    api.addHook('onRequest', authenticateApi);
    api.addHook('onResponse', recordConsoleActions);
    // Callback-style, with the common case (no Idempotency-Key) answered without a promise.
    api.addHook('preHandler', (request, reply, done) => {
      if (!request.auth || request.headers['idempotency-key'] === undefined) return done();
      beginIdempotentRequest(request, reply, request.auth, {
        store: storage.idempotency,
        clock,
        retentionMs: config.idempotencyRetentionMs,
      }).then(
        // A replay has been sent: the route must not run, so `done` is not called.
        (replayed) => {
          if (!replayed) done();
        },
        (error: Error) => done(error),
      );
    });
    api.addHook('onSend', (request, reply, payload, done) => {
      if (!request.auth || !request.idempotencyClaim) return done(null, payload);
      finishIdempotentRequest(
        request,
        reply.statusCode,
        payload,
        storage.idempotency,
        request.auth,
      ).then(
        () => done(null, payload),
        (error: Error) => done(error),
      );
    });
    await api.register(challengeRoutes, { storage, clock, approval, notifier });
    await api.register(credentialRoutes, { storage, clock, approval });
    await api.register(deviceRoutes, { storage, clock, approval });
    await api.register(webhookRoutes, {
      storage,
      clock,
      box: createWebhookSecretBox(options.serverSecret),
      dev: config.dev,
      rotationOverlapMs: config.webhooks.rotationOverlapMs,
    });
    await api.register(eventRoutes, { storage, clock });
    await api.register(auditRoutes, {
      storage,
      clock,
      signer: approval.signer,
      stamping: approval.attester ? { issuer: approval.stamps, storage } : null,
    });
    await api.register(policyRoutes, { storage, clock });
    await api.register(approverGroupRoutes, { storage, clock });
    await api.register(usageRoutes, { storage, clock });
    await api.register(voiceEnrollmentRoutes, { storage });
    await api.register(voiceRoutes, {
      storage,
      clock,
      config,
      serverSecret: options.serverSecret,
      approval,
      ...(options.voiceEngine ? { engine: options.voiceEngine } : {}),
    });
  });

  app.addHook('onClose', async () => {
    await rateLimitStore.close();
  });
  return app;
}
