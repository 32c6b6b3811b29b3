import {
  checkConsoleCsrf,
  KeyraError,
  requireConsoleRole,
  resolveSession,
  type AuthenticatedKey,
  type ConsoleStore,
  type Environment,
  type TenantStore,
} from '@keyra/core';
import type { FastifyRequest } from 'fastify';
import { CONSOLE_ACCESS, consoleAccessKey } from './consoleAccess.js';
import { checkConsoleOrigin, readConsoleCookie } from './consoleCookies.js';

export interface ConsoleAuthDeps {
  console: ConsoleStore;
  tenants: Pick<TenantStore, 'findById'>;
  /** Origins a state-changing request may come from besides the server's own. */
  allowedOrigins: readonly string[];
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Whether a request should be authenticated by its console cookie: it carries one and no API key. */
export function isConsoleRequest(request: FastifyRequest): boolean {
  return (
    request.headers.authorization === undefined &&
    request.headers['x-api-key'] === undefined &&
    readConsoleCookie(request) !== undefined
  );
}

/**
 * Checks a session's CSRF token and Origin on a state-changing request; reads pass. The token is
 * the cookie's own HMAC, so the check needs nothing stored.
 */
export function checkConsoleChange(
  request: FastifyRequest,
  token: string,
  allowedOrigins: readonly string[],
): void {
  if (SAFE_METHODS.has(request.method)) return;
  checkConsoleOrigin(request, allowedOrigins);
  const header = request.headers['x-csrf-token'];
  checkConsoleCsrf(token, Array.isArray(header) ? undefined : header);
}

/**
 * A console session as an alternative to the API key on the key-authenticated routes. Checks, in
 * order: the session (`console_session_invalid`); on a change, Origin and `X-CSRF-Token`
 * (`console_csrf_failed`); the route's minimum role in {@link CONSOLE_ACCESS}
 * (`console_role_insufficient`); the `Keyra-Environment` header naming the scope
 * (`validation_failed`). The result is the scope the route then works in, like a key's.
 */
export async function authenticateConsoleRequest(
  request: FastifyRequest,
  deps: ConsoleAuthDeps,
  now: number,
): Promise<AuthenticatedKey> {
  const token = readConsoleCookie(request);
  const resolved = await resolveSession(deps.console, token, now);
  request.consoleSession = resolved;
  checkConsoleChange(request, token as string, deps.allowedOrigins);
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  const route = request.routeOptions.url ?? request.url;
  const minimum = CONSOLE_ACCESS[consoleAccessKey(method, route)];
  if (!minimum) {
    throw new KeyraError(
      'console_role_insufficient',
      `${method} ${route} is not available to console sessions; use an API key.`,
      { details: { required: null, role: resolved.user.role } },
    );
  }
  requireConsoleRole(resolved.user, minimum, `${method} ${route}`);
  const header = request.headers['keyra-environment'];
  if (header !== 'sandbox' && header !== 'production') {
    throw new KeyraError(
      'validation_failed',
      'A console request must name its environment: Keyra-Environment: sandbox or production.',
      { details: [{ field: 'headers.keyra-environment', issue: 'required' }] },
    );
  }
  const environment: Environment = header;
  const tenant = await deps.tenants.findById(resolved.user.tenantId);
  return {
    tenantId: resolved.user.tenantId,
    environment,
    keyId: `console:${resolved.user.id}`,
    audience: tenant?.name ?? resolved.user.tenantId,
  };
}
