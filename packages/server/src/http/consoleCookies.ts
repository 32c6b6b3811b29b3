import { KeyraError } from '@keyra/core';
import type { FastifyRequest } from 'fastify';

/** The console session cookie. */
export const CONSOLE_COOKIE = 'keyra_console';

/** The value of the `keyra_console` cookie, if the request carries one. */
export function readConsoleCookie(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === CONSOLE_COOKIE)
      return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Whether the browser reached us over TLS: the socket's own, or `X-Forwarded-Proto` when the
 * server trusts its proxy (`KEYRA_TRUST_PROXY`, which is what makes Fastify read it).
 */
export function isSecureRequest(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * The `Set-Cookie` of a session: HttpOnly (scripts never read it), SameSite=Strict (never sent on
 * a request another site starts), Path=/ (the console page and the API it calls), Secure when
 * served over TLS. `maxAgeSeconds` is the session's absolute lifetime; 0 clears the cookie.
 */
export function consoleCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${CONSOLE_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * Refuses a state-changing console request whose `Origin` is not this server's own (the scheme
 * and host the request was made to) or one of the relying party's web origins. Browsers always
 * send `Origin` on a cross-origin request and on same-origin POST/PATCH/DELETE, so it is required.
 */
export function checkConsoleOrigin(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
): void {
  const origin = request.headers.origin;
  const own = `${request.protocol}://${request.host}`;
  if (origin !== undefined && (origin === own || allowedOrigins.includes(origin))) return;
  throw new KeyraError(
    'console_csrf_failed',
    'This console request came from another origin (or without an Origin header).',
    { cause: `origin ${origin ?? 'missing'} is not ${own}` },
  );
}
