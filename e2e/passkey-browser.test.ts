// The passkey playground in a real headless Chromium, against a real `keyra serve --dev`, with the
// DevTools WebAuthn virtual authenticator standing in for the platform authenticator (recipe A of
// the dependency research: Debian's /usr/bin/chromium driven by playwright-core).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestNeeds, consoleBrowser } from './helpers/consoleBrowser.js';

const needs = browserTestNeeds('e2e/passkey-browser.test.ts');

describe.skipIf(needs.skip)('passkey playground in headless Chromium', () => {
  const ui = consoleBrowser({ name: 'passkey-browser', virtualAuthenticator: true });
  const { shoot } = ui;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    needs.check();
    page = await ui.open();
    ({ cdp, authenticatorId } = ui.authenticator);
  }, 60_000);

  afterAll(() => ui.close());

  /**
   * Waits for a step to finish and says how: `ok` when its result box became visible, else
   * `error: ` and the text of its error box (so a failed expectation shows the page's message).
   */
  const outcome = (step: 'register' | 'challenge' | 'approve'): Promise<string> =>
    ui.outcome(`${step}-result`, `${step}-error`);

  const sectionOf = (id: string): string => `section:has(#${id})`;

  it('serves the console with a strict CSP, outside the OpenAPI document, and no path traversal', async () => {
    for (const url of ['/console', '/console/', '/console/playground']) {
      const res = await fetch(`${ui.server.url}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const script = await fetch(`${ui.server.url}/console/assets/playground.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bundle = await fetch(`${ui.server.url}/console/vendor/simplewebauthn-browser.js`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain('SimpleWebAuthnBrowser');
    // The console's API client is @keyra/sdk itself: its built ES modules, and nothing else there.
    const sdk = await fetch(`${ui.server.url}/console/sdk/index.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await sdk.text()).toContain("export { Keyra } from './keyra.js'");
    expect((await fetch(`${ui.server.url}/console/sdk/resources/deviceApi.js`)).status).toBe(200);
    for (const url of [
      '/console/assets/..%2findex.html',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/..%2f..%2f..%2fpackage.json',
      '/console/assets/%2fetc%2fpasswd',
      '/console/assets/styles.css%00.js',
      '/console/assets/.hidden.js',
      '/console/assets/README.md',
      '/console/sdk/index.d.ts',
      '/console/sdk/index.js.map',
      '/console/sdk/..%2fpackage.json',
      '/console/sdk/%2e%2e/src/index.ts',
      '/console/sdk/..%2f..%2fcore%2fdist%2findex.js',
      '/console/sdk/%2e%2e/%2e%2e/core/dist/index.js',
    ]) {
      const res = await fetch(`${ui.server.url}${url}`);
      expect(res.status, url).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('route_not_found');
    }
    const openapi = (await (await fetch(`${ui.server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
    await shoot('01-playground-empty');
  });

  it('registers a passkey, creates a payload-bound challenge and approves it with a verifiable proof', async () => {
    await page.fill('#api-key', ui.key);
    await page.fill('#user-id', 'usr_browser');
    await page.click('#setup-form button[type="submit"]');
    await expect.poll(() => page.textContent('#setup-status')).toContain(`…${ui.key.slice(-4)}`);

    await page.click('#register');
    expect(await outcome('register')).toBe('ok');
    const device = JSON.parse((await page.textContent('#register-json')) ?? '') as {
      deviceId: string;
      kind: string;
    };
    expect(device).toMatchObject({ deviceId: expect.stringMatching(/^dev_/), kind: 'passkey' });
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    await shoot('02-passkey-registered', sectionOf('register'));

    const payload = { service: 'api', version: '2.4.1', region: 'eu-west-1' };
    await page.fill('#action', 'deploy.production');
    await page.fill('#payload', JSON.stringify(payload, null, 2));
    await page.fill('#expires-in', '300');
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toBe('ok');
    const challengeId = (await page.textContent('#challenge-id')) ?? '';
    expect(challengeId).toMatch(/^chl_/);
    expect(await page.textContent('#challenge-action')).toBe('deploy.production');
    expect(JSON.parse((await page.textContent('#challenge-payload')) ?? '')).toEqual(payload);
    expect(await page.textContent('#challenge-status')).toBe('pending');
    await shoot('03-challenge-created', sectionOf('create-challenge'));

    await page.click('#approve');
    expect(await outcome('approve')).toBe('ok');
    expect(await page.textContent('#proof-verdict')).toContain(
      `Approved. The proof is valid for challenge ${challengeId}`,
    );
    expect(await page.locator('#proof-checks .check-pass').count()).toBe(6);
    expect(await page.locator('#proof-checks .check-fail').count()).toBe(0);
    expect(await page.textContent('#proof-checks')).toContain('Signature verified with key');
    expect(await page.textContent('#challenge-status')).toBe('approved');
    await shoot('04-approved-with-proof');
    await shoot('04b-proof-checks', sectionOf('approve'));

    // The API agrees, and the proof verifies offline with the published keys.
    const { status, body } = await ui.getJson(`/v1/challenges/${challengeId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'approved',
      method: 'passkey',
      deviceId: device.deviceId,
      action: 'deploy.production',
      payload,
    });
    const shown = JSON.parse((await page.textContent('#approve-json')) ?? '') as { proof: string };
    expect(shown.proof).toBe(body.proof);
    const jwks = (await (
      await fetch(`${ui.server.url}/.well-known/jwks.json`)
    ).json()) as JSONWebKeySet;
    const { payload: claims } = await jwtVerify(body.proof as string, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
    });
    expect(claims).toMatchObject({
      sub: 'usr_browser',
      challengeId,
      action: 'deploy.production',
      challengeDigest: body.digest,
      method: 'passkey',
      deviceId: device.deviceId,
    });

    // A second approval of the same challenge is refused before the browser is even asked.
    await page.click('#approve');
    expect(await outcome('approve')).toMatch(/^error: /);
    expect(await page.textContent('#approve-error')).toContain('409 challenge_already_used');
    // The passkey approval is metered once, the refused second try not at all.
    const usage = await ui.getJson('/v1/usage');
    expect(usage.body.totals).toMatchObject({ verifications: 1, byMethod: { passkey: 1 } });

    // The key never left this origin and was never persisted beyond the tab.
    expect(ui.requested.filter((url) => !url.startsWith(`${ui.origin}/`))).toEqual([]);
    expect(await page.evaluate<number>('window.localStorage.length')).toBe(0);
    expect(await ui.context.cookies()).toEqual([]);
  }, 60_000);

  it('refuses an approval without user verification; the challenge stays pending', async () => {
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    await page.fill('#user-id', 'usr_no_uv');
    await page.click('#register');
    expect(await outcome('register')).toBe('ok');

    // From now on the biometric check fails.
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.fill('#action', 'transfer.approve');
    await page.fill('#payload', '{"amount": 990000, "currency": "EUR"}');
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toBe('ok');
    const challengeId = (await page.textContent('#challenge-id')) ?? '';

    // Chromium itself will not answer a request that requires user verification.
    await page.click('#approve');
    expect(await outcome('approve')).toMatch(/^error: /);
    expect(await page.textContent('#approve-error')).toContain('NotAllowedError');
    expect((await ui.getJson(`/v1/challenges/${challengeId}`)).body.status).toBe('pending');
    await shoot('05-uv-failed-in-browser', sectionOf('approve'));

    // A client that asks the browser to skip it gets an assertion without the UV flag: KEYRA
    // refuses it.
    await page.click('.attack summary');
    await page.check('#skip-uv');
    await page.click('#approve');
    expect(await outcome('approve')).toMatch(/^error: /);
    const error = (await page.textContent('#approve-error')) ?? '';
    expect(error).toContain('422 attestation_invalid');
    expect(await page.isVisible('#approve-result')).toBe(false);
    const after = await ui.getJson(`/v1/challenges/${challengeId}`);
    expect(after.body).toMatchObject({ status: 'pending', proof: null, deviceId: null });
    expect(await page.textContent('#challenge-status')).toBe('pending');
    await shoot('06-uv-refused-by-server', sectionOf('approve'));
    await shoot('07-full-page-after-refusal');
    await page.uncheck('#skip-uv');
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  }, 60_000);

  it('shows the API error body for bad input', async () => {
    await page.fill('#action', 'Not An Action');
    await page.fill('#payload', '{"amount": 1}');
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toMatch(/^error: /);
    expect(await page.textContent('#challenge-error')).toContain('400 validation_failed');

    await page.fill('#action', 'transfer.approve');
    await page.fill('#payload', '{"amount": ');
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toMatch(/^error: /);
    expect(await page.textContent('#challenge-error')).toContain('invalid_json');
    await shoot('08-error-display', sectionOf('create-challenge'));

    await page.fill('#api-key', 'sk_test_' + '0'.repeat(32));
    await page.fill('#payload', '{"amount": 1}');
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toMatch(/^error: /);
    expect(await page.textContent('#challenge-error')).toMatch(/401 \w+/);
    await page.fill('#api-key', ui.key);
    await page.click('#setup-form button[type="submit"]');
  }, 60_000);

  it('keeps the key in sessionStorage only and refuses live keys', async () => {
    expect(
      await page.evaluate<string | null>("sessionStorage.getItem('keyra.playground.apiKey')"),
    ).toBe(ui.key);
    await page.fill('#api-key', 'sk_live_' + 'a'.repeat(32));
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toMatch(/^error: /);
    expect(await page.textContent('#challenge-error')).toContain('live_key_refused');
    await page.click('#forget-key');
    expect(
      await page.evaluate<string | null>("sessionStorage.getItem('keyra.playground.apiKey')"),
    ).toBe(null);
    const shot = path.join(ui.shots, '04-approved-with-proof.png');
    expect(readFileSync(shot).length).toBeGreaterThan(0);
  });
});
