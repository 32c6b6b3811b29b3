// The passkey playground in a real headless Chromium, against a real `keyra serve --dev`, with the
// DevTools WebAuthn virtual authenticator standing in for the platform authenticator (recipe A of
// the dependency research: Debian's /usr/bin/chromium driven by playwright-core).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

const CHROMIUM = process.env.KEYRA_CHROMIUM ?? '/usr/bin/chromium';
const inCi = process.env.CI === 'true';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && !inCi) {
  console.warn(
    `\n${'!'.repeat(78)}\n! SKIPPED e2e/passkey-browser.test.ts: no Chromium at ${CHROMIUM}.\n` +
      `! Install it (apt-get install chromium) or set KEYRA_CHROMIUM; CI fails instead of skipping.\n${'!'.repeat(78)}\n`,
  );
}

const SHOTS = fileURLToPath(new URL('../test-results/passkey-browser/', import.meta.url));
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

describe.skipIf(!hasChromium && !inCi)('passkey playground in headless Chromium', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-passkey-browser-'));
  let server: KeyraServer;
  let origin: string;
  let key: string;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  const requested: string[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`Chromium is required in CI: no executable at ${CHROMIUM}.`);
    mkdirSync(SHOTS, { recursive: true });
    server = await startKeyra(['--dev'], { cwd: dir });
    const created = await runKeyra(['keys', 'create', '--env', 'sandbox', '--json'], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    key = (JSON.parse(created.stdout) as { key: string }).key;
    // WebAuthn needs a secure context and the dev relying party is `localhost`: not 127.0.0.1.
    origin = `http://localhost:${new URL(server.url).port}`;

    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    cdp = await context.newCDPSession(page);
    // The virtual authenticator must exist before the page loads.
    await cdp.send('WebAuthn.enable', { enableUI: false });
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    }));
    await page.goto(`${origin}/console/playground`);
    await page.waitForSelector('html[data-ready="true"]');
  }, 60_000);

  afterAll(async () => {
    // Server-side errors explain a failing step better than the page's generic 500.
    const errors = (server?.stdout() ?? '')
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    if (errors.length > 0) console.error(`keyra serve logged errors:\n${errors.join('\n')}`);
    await context?.close();
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const api = async (
    method: 'GET' | 'POST',
    url: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /**
   * Waits for a step to finish and says how: `ok` when its result box became visible, else
   * `error: ` and the text of its error box (so a failed expectation shows the page's message).
   */
  async function outcome(step: 'register' | 'challenge' | 'approve'): Promise<string> {
    const ok = `#${step}-result:not([hidden])`;
    const error = `#${step}-error:not([hidden])`;
    await page.waitForSelector(`${ok}, ${error}`, { timeout: 15_000 });
    // The approve step refreshes the challenge after showing the answer; let it settle.
    await page.waitForSelector('button[aria-busy="true"]', { state: 'detached' });
    return (await page.isVisible(error))
      ? `error: ${(await page.textContent(`#${step}-error`)) ?? ''}`
      : 'ok';
  }

  const shoot = (name: string, selector?: string): Promise<Buffer> =>
    selector
      ? page.locator(selector).screenshot({ path: path.join(SHOTS, `${name}.png`) })
      : page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  const sectionOf = (id: string): string => `section:has(#${id})`;

  it('serves the console with a strict CSP, outside the OpenAPI document, and no path traversal', async () => {
    for (const url of ['/console', '/console/', '/console/playground']) {
      const res = await fetch(`${server.url}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const script = await fetch(`${server.url}/console/assets/playground.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bundle = await fetch(`${server.url}/console/vendor/simplewebauthn-browser.js`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain('SimpleWebAuthnBrowser');
    for (const url of [
      '/console/assets/..%2findex.html',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/..%2f..%2f..%2fpackage.json',
      '/console/assets/%2fetc%2fpasswd',
      '/console/assets/styles.css%00.js',
      '/console/assets/.hidden.js',
      '/console/assets/README.md',
    ]) {
      const res = await fetch(`${server.url}${url}`);
      expect(res.status, url).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('route_not_found');
    }
    const openapi = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths).filter((p) => p.startsWith('/console'))).toEqual([]);
    await shoot('01-playground-empty');
  });

  it('registers a passkey, creates a payload-bound challenge and approves it with a verifiable proof', async () => {
    await page.fill('#api-key', key);
    await page.fill('#user-id', 'usr_browser');
    await page.click('#setup-form button[type="submit"]');
    await expect.poll(() => page.textContent('#setup-status')).toContain(`…${key.slice(-4)}`);

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
    const { status, body } = await api('GET', `/v1/challenges/${challengeId}`);
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
      await fetch(`${server.url}/.well-known/jwks.json`)
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
    const usage = await api('GET', '/v1/usage');
    expect(usage.body.totals).toMatchObject({ verifications: 1, byMethod: { passkey: 1 } });

    // The key never left this origin and was never persisted beyond the tab.
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    expect(await page.evaluate<number>('window.localStorage.length')).toBe(0);
    expect(await context.cookies()).toEqual([]);
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
    expect((await api('GET', `/v1/challenges/${challengeId}`)).body.status).toBe('pending');
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
    const after = await api('GET', `/v1/challenges/${challengeId}`);
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
    await page.fill('#api-key', key);
    await page.click('#setup-form button[type="submit"]');
  }, 60_000);

  it('keeps the key in sessionStorage only and refuses live keys', async () => {
    expect(
      await page.evaluate<string | null>("sessionStorage.getItem('keyra.playground.apiKey')"),
    ).toBe(key);
    await page.fill('#api-key', 'sk_live_' + 'a'.repeat(32));
    await page.click('#create-challenge');
    expect(await outcome('challenge')).toMatch(/^error: /);
    expect(await page.textContent('#challenge-error')).toContain('live_key_refused');
    await page.click('#forget-key');
    expect(
      await page.evaluate<string | null>("sessionStorage.getItem('keyra.playground.apiKey')"),
    ).toBe(null);
    expect(readFileSync(path.join(SHOTS, '04-approved-with-proof.png')).length).toBeGreaterThan(0);
  });
});
