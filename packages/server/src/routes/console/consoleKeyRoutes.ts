import {
  apiKeyState,
  createApiKey,
  formatTimestamp,
  KeyraError,
  revokeApiKey,
  rotateApiKey,
  type ApiKeyRecord,
  type Clock,
  type ConsoleRole,
  type ResolvedConsoleSession,
  type Storage,
} from '@keyra/core';
import {
  ConsoleApiKeyList,
  ConsoleApiKeyParams,
  ConsoleApiKeyQuery,
  CreateConsoleApiKeyBody,
  IssuedConsoleApiKey,
  RotateConsoleApiKeyBody,
  ConsoleApiKey,
} from '@keyra/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_RESPONSES } from '../errorResponses.js';

export interface ConsoleKeyRoutesOptions {
  storage: Storage;
  clock: Clock;
  /** The console API's session check (CSRF and Origin on changes, then the role). */
  signedIn: (
    request: FastifyRequest,
    reply: FastifyReply,
    minimum: ConsoleRole,
    what: string,
  ) => Promise<ResolvedConsoleSession>;
  /** Drops a changed key from the server's key cache, so the change holds from the next request. */
  forget: (keyId: string) => void;
}

function keyJson(key: ApiKeyRecord, now: number): ConsoleApiKey {
  return {
    id: key.id,
    prefix: key.displayPrefix,
    environment: key.environment,
    state: apiKeyState(key, now),
    createdAt: formatTimestamp(key.createdAt),
    expiresAt: key.expiresAt === null ? null : formatTimestamp(key.expiresAt),
    revokedAt: key.revokedAt === null ? null : formatTimestamp(key.revokedAt),
    replacedBy: key.replacedBy,
    audience: key.audience,
    lastUsedAt: key.lastUsedAt ? formatTimestamp(key.lastUsedAt) : null,
  };
}

/**
 * API keys from the console, as `keyra keys` manages them and with the same core verbs (each
 * writes its audit entry in its own transaction, the actor being `console:<user id>`): admins list
 * a tenant's keys per environment (prefixes and states, never a secret); owners create a key (the
 * secret is answered once), rotate one with a grace period, and revoke one. Another tenant's key
 * is `404 console_api_key_not_found`, like a missing one.
 */
export function consoleKeyRoutes(app: FastifyInstance, options: ConsoleKeyRoutesOptions): void {
  const { storage, clock, signedIn, forget } = options;
  const schema = (rest: Record<string, unknown>) => ({ hide: true, tags: ['Console'], ...rest });

  /** The key `id` of the user's tenant, or the same 404 whether it is missing or someone else's. */
  const tenantKey = async (tenantId: string, id: string): Promise<ApiKeyRecord> => {
    const key = await storage.apiKeys.findById(id);
    if (!key || key.tenantId !== tenantId)
      throw new KeyraError('console_api_key_not_found', `No API key ${id} in this tenant.`);
    return key;
  };
  const inactive = (id: string): KeyraError =>
    new KeyraError(
      'console_api_key_inactive',
      `API key ${id} is revoked, expired or already rotated.`,
    );

  app.get<{ Querystring: ConsoleApiKeyQuery }>(
    '/console/api/keys',
    {
      schema: schema({
        summary: "The tenant's API keys in one environment, newest first (admins and owners).",
        querystring: ConsoleApiKeyQuery,
        response: { 200: ConsoleApiKeyList, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'admin', 'Listing API keys');
      const now = clock.now();
      const keys = await storage.apiKeys.listForTenant(user.tenantId, request.query.environment);
      return { data: keys.map((key) => keyJson(key, now)) };
    },
  );

  app.post<{ Body: CreateConsoleApiKeyBody }>(
    '/console/api/keys',
    {
      schema: schema({
        summary: 'Create an API key (owners); the secret is in this answer only.',
        body: CreateConsoleApiKeyBody,
        response: { 201: IssuedConsoleApiKey, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Creating API keys');
      const tenant = await storage.tenants.findById(user.tenantId);
      const now = clock.now();
      const issued = await createApiKey(storage, {
        tenantId: user.tenantId,
        environment: request.body.environment,
        audience: tenant?.name ?? user.tenantId,
        now,
        actor: `console:${user.id}`,
      });
      return reply.status(201).send({ key: keyJson(issued.record, now), secret: issued.secret });
    },
  );

  app.post<{ Params: ConsoleApiKeyParams; Body: RotateConsoleApiKeyBody }>(
    '/console/api/keys/:id/rotate',
    {
      schema: schema({
        summary: 'Replace an API key (owners); the old one works for the grace period.',
        params: ConsoleApiKeyParams,
        body: RotateConsoleApiKeyBody,
        response: { 201: IssuedConsoleApiKey, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Rotating API keys');
      const old = await tenantKey(user.tenantId, request.params.id);
      const now = clock.now();
      const result = await rotateApiKey(storage, {
        keyId: old.id,
        now,
        graceMs: request.body.graceSeconds * 1000,
        actor: `console:${user.id}`,
      });
      if (result.outcome !== 'rotated') throw inactive(old.id);
      forget(old.id);
      const previous = await tenantKey(user.tenantId, old.id);
      return reply.status(201).send({
        key: keyJson(result.replacement.record, now),
        secret: result.replacement.secret,
        previous: keyJson(previous, now),
      });
    },
  );

  app.post<{ Params: ConsoleApiKeyParams }>(
    '/console/api/keys/:id/revoke',
    {
      schema: schema({
        summary: 'Revoke an API key at once (owners).',
        params: ConsoleApiKeyParams,
        response: { 200: ConsoleApiKey, ...ERROR_RESPONSES },
      }),
    },
    async (request, reply) => {
      const { user } = await signedIn(request, reply, 'owner', 'Revoking API keys');
      const key = await tenantKey(user.tenantId, request.params.id);
      const now = clock.now();
      if (!(await revokeApiKey(storage, { keyId: key.id, now, actor: `console:${user.id}` })))
        throw inactive(key.id);
      forget(key.id);
      return keyJson(await tenantKey(user.tenantId, key.id), now);
    },
  );
}
