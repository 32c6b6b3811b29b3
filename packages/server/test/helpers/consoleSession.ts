// Console sessions for route tests: an invite made in core, a passkey enrolled from it with the
// device simulator's authenticator, and the headers a console page sends.
import { ensureTenant, inviteConsoleUser, type ConsoleRole } from '@keyra/core';
import { createAuthenticator, makeCredential, type AuthenticatorState } from '@keyra/device';
import { expect } from 'vitest';
import type { TestApp } from './testApp.js';

export interface ConsoleBrowser {
  cookie: string;
  csrf: string;
  state: AuthenticatorState;
  userId: string;
}

/** An invite token for `email` as `role` in `tenant` (created if needed). */
export async function inviteMember(
  t: TestApp,
  email: string,
  role: ConsoleRole,
  tenant = 'acme',
  ttlMs?: number,
): Promise<string> {
  const { tenant: record } = await ensureTenant(t.storage.tenants, tenant, t.clock.now());
  const { token } = await inviteConsoleUser(
    t.storage.console,
    { tenantId: record.id, email, role, invitedBy: null, ...(ttlMs ? { ttlMs } : {}) },
    t.clock.now(),
  );
  return token;
}

/** The `name=value` of the first Set-Cookie line. */
export function cookieOf(setCookie: string | string[] | undefined): string {
  const line = [setCookie ?? []].flat()[0] ?? '';
  return line.split(';')[0] ?? '';
}

/** Redeems an invite with a new passkey from `origin`; the session it opens. */
export async function enrolMember(
  t: TestApp,
  origin: string,
  token: string,
  state = createAuthenticator(),
): Promise<ConsoleBrowser> {
  const options = await t.app.inject({
    method: 'POST',
    url: '/console/api/enrolment/options',
    headers: { origin },
    payload: { token },
  });
  expect(options.statusCode, options.body).toBe(200);
  const made = makeCredential(state, options.json().options, { origin });
  const done = await t.app.inject({
    method: 'POST',
    url: '/console/api/enrolment',
    headers: { origin },
    payload: { token, response: made.response },
  });
  expect(done.statusCode, done.body).toBe(201);
  return {
    cookie: cookieOf(done.headers['set-cookie']),
    csrf: done.json().csrfToken,
    state: made.state,
    userId: done.json().user.id,
  };
}

/** The headers of a console page's request: cookie, Origin, CSRF token, environment. */
export function sessionHeaders(
  browser: ConsoleBrowser,
  origin: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    cookie: browser.cookie,
    origin,
    'x-csrf-token': browser.csrf,
    'keyra-environment': 'sandbox',
    ...extra,
  };
}
