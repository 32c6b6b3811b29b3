import {
  createAuthenticator,
  getAssertion,
  makeCredential,
  type AuthenticatorState,
} from '@keyra/device';
import type { ConsoleRole } from '@keyra/core';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONSOLE_ACCESS } from '../src/http/consoleAccess.js';
import {
  cookieOf,
  enrolMember,
  inviteMember,
  sessionHeaders,
  type ConsoleBrowser,
} from './helpers/consoleSession.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

const ORIGIN = 'https://console.example.com';
const MINUTE = 60_000;

type Browser = ConsoleBrowser;

let t: TestApp;

beforeEach(async () => {
  t = await createTestApp({ env: { KEYRA_ORIGINS: ORIGIN, KEYRA_TRUST_PROXY: 'true' } });
});

afterEach(async () => {
  await t.close();
});

const invite = (email: string, role: ConsoleRole, tenant = 'acme', ttlMs?: number) =>
  inviteMember(t, email, role, tenant, ttlMs);
const enrol = (token: string, state?: AuthenticatorState): Promise<Browser> =>
  enrolMember(t, ORIGIN, token, state);

async function signIn(state: AuthenticatorState, origin = ORIGIN) {
  const options = await t.app.inject({
    method: 'POST',
    url: '/console/api/sign-in/options',
    headers: { origin: ORIGIN },
  });
  expect(options.statusCode, options.body).toBe(200);
  const asserted = getAssertion(state, options.json(), { origin });
  const res = await t.app.inject({
    method: 'POST',
    url: '/console/api/sign-in',
    headers: { origin: ORIGIN },
    payload: { response: asserted.response },
  });
  return { res, state: asserted.state };
}

const as = (browser: Browser, extra: Record<string, string> = {}): Record<string, string> =>
  sessionHeaders(browser, ORIGIN, extra);

describe('console enrolment and sign-in', () => {
  it('enrols from an invite, sets a strict cookie, and signs in again with the passkey', async () => {
    const token = await invite('Ada@Example.com', 'owner');
    const options = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment/options',
      headers: { origin: ORIGIN },
      payload: { token },
    });
    expect(options.json()).toMatchObject({ email: 'ada@example.com', role: 'owner' });
    expect(options.json().options.authenticatorSelection).toMatchObject({
      residentKey: 'required',
      userVerification: 'required',
    });
    const made = makeCredential(createAuthenticator(), options.json().options, { origin: ORIGIN });
    const done = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment',
      headers: { origin: ORIGIN, 'x-forwarded-proto': 'https' },
      payload: { token, response: made.response },
    });
    expect(done.statusCode, done.body).toBe(201);
    const setCookie = String(done.headers['set-cookie']);
    expect(setCookie).toMatch(/^keyra_console=kcs_[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Secure');
    expect(done.headers['cache-control']).toBe('no-store');
    expect(done.json().user).toMatchObject({ email: 'ada@example.com', role: 'owner' });

    const session = await t.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie: cookieOf(done.headers['set-cookie']) },
    });
    expect(session.statusCode).toBe(200);
    expect(session.json().csrfToken).toBe(done.json().csrfToken);
    expect(session.json().tenant.name).toBe('acme');

    const again = await signIn(made.state);
    expect(again.res.statusCode, again.res.body).toBe(200);
    expect(String(again.res.headers['set-cookie'])).not.toContain('Secure');
    expect(again.res.json().user.email).toBe('ada@example.com');
  });

  it('uses an invite once and never after it expired', async () => {
    const token = await invite('ada@example.com', 'developer');
    await enrol(token);
    const reused = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment/options',
      headers: { origin: ORIGIN },
      payload: { token },
    });
    expect(reused.statusCode).toBe(410);
    expect(reused.json().code).toBe('console_invite_invalid');

    const late = await invite('bob@example.com', 'viewer', 'acme', 10 * MINUTE);
    const options = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment/options',
      headers: { origin: ORIGIN },
      payload: { token: late },
    });
    const made = makeCredential(createAuthenticator(), options.json().options, { origin: ORIGIN });
    t.clock.advance(10 * MINUTE);
    const expired = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment',
      headers: { origin: ORIGIN },
      payload: { token: late, response: made.response },
    });
    expect(expired.json().code).toBe('console_invite_invalid');
    expect(
      await t.storage.console.listUsers((await t.storage.tenants.findByName('acme'))!.id),
    ).toHaveLength(1);
  });

  it('refuses a passkey without user verification, or from another origin', async () => {
    const token = await invite('ada@example.com', 'owner');
    const options = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment/options',
      headers: { origin: ORIGIN },
      payload: { token },
    });
    const state = createAuthenticator();
    const noUv = makeCredential(state, options.json().options, {
      origin: ORIGIN,
      userVerified: false,
    });
    const refused = await t.app.inject({
      method: 'POST',
      url: '/console/api/enrolment',
      headers: { origin: ORIGIN },
      payload: { token, response: noUv.response },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('attestation_invalid');

    const browser = await enrol(token);
    const evil = await signIn(browser.state, 'https://evil.example');
    expect(evil.res.statusCode).toBe(401);
    expect(evil.res.json().code).toBe('console_sign_in_failed');
  });

  it('refuses a sign-in whose counter did not move forward, and a disabled user', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const dev = await enrol(await invite('bob@example.com', 'developer'));
    const first = await signIn(dev.state);
    expect(first.res.statusCode).toBe(200);
    const cloned = await signIn(dev.state);
    expect(cloned.res.statusCode).toBe(401);
    expect(cloned.res.json()).toEqual({
      code: 'console_sign_in_failed',
      message: 'Sign-in failed.',
    });

    const disabled = await t.app.inject({
      method: 'POST',
      url: `/console/api/members/${dev.userId}/disable`,
      headers: as(owner),
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    const after = await signIn(first.state);
    expect(after.res.json().code).toBe('console_sign_in_failed');
    // Disabling ended the sessions the user had.
    const old = await t.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie: dev.cookie },
    });
    expect(old.json().code).toBe('console_session_invalid');
  });
});

describe('console sessions', () => {
  it('ends after the idle timeout, slides while used, and ends at the absolute limit', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const get = () =>
      t.app.inject({
        method: 'GET',
        url: '/console/api/session',
        headers: { cookie: owner.cookie },
      });
    for (let hour = 0; hour < 11; hour++) {
      t.clock.advance(25 * MINUTE);
      expect((await get()).statusCode).toBe(200);
      t.clock.advance(35 * MINUTE - 25 * MINUTE);
      expect((await get()).statusCode).toBe(200);
      t.clock.advance(25 * MINUTE);
      expect((await get()).statusCode).toBe(200);
    }
    // 11 × 45 min of use later: still alive; past 12 h it ends however busy it is.
    t.clock.advance(12 * 60 * MINUTE - 11 * 45 * MINUTE);
    expect((await get()).json().code).toBe('console_session_invalid');

    const idle = await signIn((await enrol(await invite('bob@example.com', 'viewer'))).state);
    const cookie = cookieOf(idle.res.headers['set-cookie']);
    t.clock.advance(30 * MINUTE);
    const expired = await t.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie },
    });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('console_session_invalid');
  });

  it('signs out here, and everywhere', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const second = await signIn(owner.state);
    const other = {
      ...owner,
      cookie: cookieOf(second.res.headers['set-cookie']),
      csrf: second.res.json().csrfToken,
    };
    const list = await t.app.inject({
      method: 'GET',
      url: '/console/api/sessions',
      headers: { cookie: owner.cookie },
    });
    expect(list.json().data).toHaveLength(2);
    expect(list.json().data.filter((s: { current: boolean }) => s.current)).toHaveLength(1);

    const out = await t.app.inject({
      method: 'POST',
      url: '/console/api/sign-out-everywhere',
      headers: as(owner),
    });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ revoked: 2 });
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    for (const browser of [owner, other]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/challenges',
        headers: as(browser),
      });
      expect(res.json().code).toBe('console_session_invalid');
    }

    const third = await signIn(second.state);
    const cookie = cookieOf(third.res.headers['set-cookie']);
    const signOut = await t.app.inject({
      method: 'POST',
      url: '/console/api/sign-out',
      headers: { cookie, origin: ORIGIN, 'x-csrf-token': third.res.json().csrfToken },
    });
    expect(signOut.statusCode).toBe(204);
    const gone = await t.app.inject({
      method: 'GET',
      url: '/console/api/session',
      headers: { cookie },
    });
    expect(gone.statusCode).toBe(401);
  });
});

describe('console CSRF', () => {
  it('refuses a change without the CSRF token, with a wrong one, or from another origin', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const create = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/challenges',
        headers,
        payload: { action: 'deploy.production', userId: 'usr_1', payload: {} },
      });
    const { 'x-csrf-token': _csrf, ...withoutCsrf } = as(owner);
    const cases = [
      withoutCsrf,
      as(owner, { 'x-csrf-token': `${owner.csrf.slice(0, -2)}AA` }),
      as(owner, { origin: 'https://evil.example' }),
      Object.fromEntries(Object.entries(as(owner)).filter(([name]) => name !== 'origin')),
    ];
    for (const headers of cases) {
      const res = await create(headers);
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('console_csrf_failed');
    }
    const tenant = (await t.storage.tenants.findByName('acme'))!;
    const sandbox = { tenantId: tenant.id, environment: 'sandbox' as const };
    expect(await t.storage.challenges.list(sandbox, {}, 10)).toEqual([]);

    const ok = await create(as(owner));
    expect(ok.statusCode, ok.body).toBe(201);
    // The sign-out of the console API is protected too.
    const out = await t.app.inject({
      method: 'POST',
      url: '/console/api/sign-out',
      headers: { cookie: owner.cookie, origin: ORIGIN },
    });
    expect(out.json().code).toBe('console_csrf_failed');
  });
});

describe('console roles on /v1', () => {
  it('lets a viewer read but not change, nor see webhook secrets', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const viewer = await enrol(await invite('vic@example.com', 'viewer'));
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: as(owner),
      payload: { url: 'https://93.184.216.34/keyra', events: ['*'] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().secret).toMatch(/^whsec_/);

    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/webhook_endpoints',
      headers: as(viewer),
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('whsec_');
    const one = await t.app.inject({
      method: 'GET',
      url: `/v1/webhook_endpoints/${created.json().id}`,
      headers: as(viewer),
    });
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain('whsec_');

    for (const [method, url, payload] of [
      ['POST', '/v1/challenges', { action: 'deploy.production', userId: 'usr_1', payload: {} }],
      ['POST', `/v1/webhook_endpoints/${created.json().id}/rotate_secret`, undefined],
      ['POST', '/v1/webhook_endpoints', { url: 'https://93.184.216.34/2', events: ['*'] }],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: as(viewer),
        ...(payload ? { payload } : {}),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json()).toMatchObject({
        code: 'console_role_insufficient',
        details: { role: 'viewer' },
      });
    }
  });

  it('lets a developer create challenges but not rotate secrets, invite or change roles', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const dev = await enrol(await invite('dev@example.com', 'developer'));
    const challenge = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: as(dev),
      payload: { action: 'deploy.production', userId: 'usr_1', payload: {} },
    });
    expect(challenge.statusCode, challenge.body).toBe(201);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: as(owner),
      payload: { url: 'https://93.184.216.34/keyra', events: ['*'] },
    });
    const rotate = await t.app.inject({
      method: 'POST',
      url: `/v1/webhook_endpoints/${created.json().id}/rotate_secret`,
      headers: as(dev),
    });
    expect(rotate.json()).toMatchObject({
      code: 'console_role_insufficient',
      details: { required: 'admin' },
    });
    const inviting = await t.app.inject({
      method: 'POST',
      url: '/console/api/members',
      headers: as(dev),
      payload: { email: 'eve@example.com', role: 'owner' },
    });
    expect(inviting.json().code).toBe('console_role_insufficient');
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/console/api/members/${dev.userId}`,
      headers: as(dev),
      payload: { role: 'owner' },
    });
    expect(promote.json().code).toBe('console_role_insufficient');
    const mcp = await t.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: as(owner, { accept: 'application/json, text/event-stream' }),
      payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(mcp.statusCode).toBe(403);
  });

  it('needs Keyra-Environment and keeps sandbox and production apart', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const { 'keyra-environment': _env, ...noEnv } = as(owner);
    const missing = await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: noEnv });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().code).toBe('validation_failed');
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: as(owner),
      payload: { action: 'deploy.production', userId: 'usr_1', payload: {} },
    });
    const inProduction = await t.app.inject({
      method: 'GET',
      url: `/v1/challenges/${made.json().id}`,
      headers: as(owner, { 'keyra-environment': 'production' }),
    });
    expect(inProduction.statusCode).toBe(404);
    const inSandbox = await t.app.inject({
      method: 'GET',
      url: `/v1/challenges/${made.json().id}`,
      headers: as(owner),
    });
    expect(inSandbox.statusCode).toBe(200);
    // An API key of the same tenant sees the session's challenge: same scope.
    const key = await t.key('acme', 'sandbox');
    const byKey = await t.app.inject({
      method: 'GET',
      url: `/v1/challenges/${made.json().id}`,
      headers: bearer(key),
    });
    expect(byKey.statusCode).toBe(200);
  });

  it('keeps tenants apart', async () => {
    const acme = await enrol(await invite('ada@example.com', 'owner', 'acme'));
    const globex = await enrol(await invite('ada@example.com', 'owner', 'globex'));
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: as(acme),
      payload: { action: 'deploy.production', userId: 'usr_1', payload: {} },
    });
    const other = await t.app.inject({
      method: 'GET',
      url: `/v1/challenges/${made.json().id}`,
      headers: as(globex),
    });
    expect(other.statusCode).toBe(404);
    const members = await t.app.inject({
      method: 'GET',
      url: '/console/api/members',
      headers: as(globex),
    });
    expect(members.json().data.map((m: { id: string }) => m.id)).toEqual([globex.userId]);
    const cross = await t.app.inject({
      method: 'POST',
      url: `/console/api/members/${acme.userId}/disable`,
      headers: as(globex),
    });
    expect(cross.json().code).toBe('console_user_not_found');
  });

  it('is the table docs/console.md prints', () => {
    const doc = readFileSync(new URL('../../../docs/console.md', import.meta.url), 'utf8');
    const rows = [
      ...doc.matchAll(/^\| `([A-Z]+ \/[^`]*)` \| (viewer|developer|admin|owner|never[^|]*) \|$/gm),
    ];
    const documented = Object.fromEntries(
      rows.map(([, route, role]) => [route, role?.startsWith('never') ? null : role]),
    );
    expect(documented).toEqual(CONSOLE_ACCESS);
  });

  it('has an entry for every key-authenticated route, and none for a route that is gone', () => {
    const behindKey = t.app.routeTable.filter(
      (route) =>
        (route.url.startsWith('/v1/') ||
          route.url.startsWith('/api/v1/') ||
          route.url === '/mcp') &&
        !route.url.startsWith('/v1/device-api/') &&
        route.url !== '/v1/stamps/:id',
    );
    const keys = behindKey.map((route) => `${route.method} ${route.url}`);
    expect(keys.filter((key) => !(key in CONSOLE_ACCESS))).toEqual([]);
    expect(Object.keys(CONSOLE_ACCESS).filter((key) => !keys.includes(key))).toEqual([]);
  });
});

describe('console members and the action log', () => {
  it('owners invite, change roles and disable; the last owner stays; every change is recorded', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    t.clock.advance(1000);
    const invited = await t.app.inject({
      method: 'POST',
      url: '/console/api/members',
      headers: as(owner),
      payload: { email: 'bob@example.com', role: 'viewer' },
    });
    expect(invited.statusCode, invited.body).toBe(201);
    const url = new URL(invited.json().inviteUrl);
    expect(url.pathname).toBe('/console/enrol');
    t.clock.advance(1000);
    const bob = await enrol(url.hash.replace('#token=', ''));
    t.clock.advance(1000);
    const promote = await t.app.inject({
      method: 'PATCH',
      url: `/console/api/members/${bob.userId}`,
      headers: as(owner),
      payload: { role: 'admin' },
    });
    expect(promote.json().role).toBe('admin');
    t.clock.advance(1000);
    const demoteSelf = await t.app.inject({
      method: 'PATCH',
      url: `/console/api/members/${owner.userId}`,
      headers: as(owner),
      payload: { role: 'viewer' },
    });
    expect(demoteSelf.statusCode).toBe(409);
    expect(demoteSelf.json().code).toBe('console_last_owner');
    t.clock.advance(1000);
    await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: as(owner),
      payload: { action: 'deploy.production', userId: 'usr_1', payload: {} },
    });
    const actions = await t.app.inject({
      method: 'GET',
      url: '/console/api/actions',
      headers: as(bob),
    });
    expect(actions.statusCode, actions.body).toBe(200);
    const rows = actions
      .json()
      .data.map((a: Record<string, unknown>) => [
        a.userId,
        a.method,
        a.route,
        a.targetId,
        a.statusCode,
        a.environment,
      ]);
    expect(rows).toEqual([
      [owner.userId, 'POST', '/v1/challenges', null, 201, 'sandbox'],
      [owner.userId, 'PATCH', '/console/api/members/:id', owner.userId, 409, null],
      [owner.userId, 'PATCH', '/console/api/members/:id', bob.userId, 200, null],
      [bob.userId, 'POST', '/console/api/enrolment', null, 201, null],
      [owner.userId, 'POST', '/console/api/members', null, 201, null],
      [owner.userId, 'POST', '/console/api/enrolment', null, 201, null],
    ]);
  });
});

describe('console limits and bad input', () => {
  it('limits each console user like a key', async () => {
    await t.close();
    t = await createTestApp({
      env: { KEYRA_ORIGINS: ORIGIN, KEYRA_RATE_LIMIT_PER_KEY: '3' },
    });
    const ada = await enrol(await invite('ada@example.com', 'owner'));
    const bob = await enrol(await invite('bob@example.com', 'viewer'));
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: as(ada) });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: as(bob) });
    expect(other.statusCode).toBe(200);
  });

  it('answers bad input with a 4xx and changes nothing', async () => {
    const owner = await enrol(await invite('ada@example.com', 'owner'));
    const garbage = {
      id: 'abc',
      rawId: 'abc',
      type: 'public-key',
      response: { clientDataJSON: 'e30' },
    };
    const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
      [
        'POST',
        '/console/api/sign-in',
        { response: garbage },
        { origin: ORIGIN },
        401,
        'console_sign_in_failed',
      ],
      [
        'POST',
        '/console/api/sign-in',
        { response: 'x' },
        { origin: ORIGIN },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/console/api/enrolment',
        { token: 'kci_short', response: garbage },
        { origin: ORIGIN },
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/console/api/enrolment',
        { token: `kci_${'A'.repeat(43)}`, response: garbage },
        { origin: ORIGIN },
        410,
        'console_invite_invalid',
      ],
      [
        'POST',
        '/console/api/members',
        { email: 'not-an-email', role: 'viewer' },
        as(owner),
        400,
        'validation_failed',
      ],
      [
        'POST',
        '/console/api/members',
        { email: 'ada@example.com', role: 'viewer' },
        as(owner),
        409,
        'console_user_exists',
      ],
      [
        'POST',
        '/console/api/members',
        { email: 'x@example.com', role: 'king' },
        as(owner),
        400,
        'validation_failed',
      ],
      [
        'PATCH',
        '/console/api/members/not-an-id',
        { role: 'viewer' },
        as(owner),
        400,
        'validation_failed',
      ],
      [
        'PATCH',
        '/console/api/members/cu_unknown1234',
        { role: 'viewer' },
        as(owner),
        404,
        'console_user_not_found',
      ],
      [
        'GET',
        '/console/api/session',
        undefined,
        { cookie: 'keyra_console=kcs_forged' },
        401,
        'console_session_invalid',
      ],
      [
        'GET',
        '/v1/challenges',
        undefined,
        { cookie: 'keyra_console=nonsense', 'keyra-environment': 'sandbox' },
        401,
        'console_session_invalid',
      ],
    ];
    for (const [method, url, payload, headers, status, code] of cases) {
      const res = await t.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      expect(
        [res.statusCode, res.json().code],
        `${method} ${url} ${JSON.stringify(payload)}`,
      ).toEqual([status, code]);
    }
    const tenant = (await t.storage.tenants.findByName('acme'))!;
    expect((await t.storage.console.listUsers(tenant.id)).map((u) => u.role)).toEqual(['owner']);
  });
});
