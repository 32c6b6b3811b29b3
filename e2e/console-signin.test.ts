// Console sign-in in a real headless Chromium against a real `keyra serve --dev`: the first owner
// is invited with the CLI, enrols a passkey (the DevTools virtual authenticator) from the link,
// is signed in by an HttpOnly cookie, calls a /v1 GET through the session, signs out, and signs in
// again with the same passkey.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestNeeds, consoleBrowser } from './helpers/consoleBrowser.js';
import { runKeyra } from './helpers/keyraProcess.js';

const needs = browserTestNeeds('e2e/console-signin.test.ts');

describe.skipIf(needs.skip)('console sign-in in headless Chromium', () => {
  const ui = consoleBrowser({
    name: 'console-signin',
    virtualAuthenticator: true,
    path: '/console/sign-in',
  });
  let page: Page;

  beforeAll(async () => {
    needs.check();
    page = await ui.open();
  }, 60_000);

  afterAll(() => ui.close());

  it('invite → enrol → signed in → /v1 through the session → sign out → sign in again', async () => {
    expect(await page.isVisible('#signed-out')).toBe(true);

    const invited = await runKeyra(
      ['console', 'invite', '--email', 'owner@example.com', '--base-url', ui.origin, '--json'],
      { cwd: ui.dir },
    );
    expect(invited.code, invited.stderr).toBe(0);
    const { inviteUrl } = JSON.parse(invited.stdout) as { inviteUrl: string };
    expect(inviteUrl.startsWith(`${ui.origin}/console/enrol#token=kci_`)).toBe(true);

    await page.goto(inviteUrl);
    await page.waitForSelector('#enrol:not([hidden])');
    expect(await ui.text('#enrol-email')).toBe('owner@example.com');
    expect(await ui.text('#enrol-role')).toBe('owner');
    await ui.shoot('enrol');
    await page.click('#enrol-button');
    await page.waitForSelector('#signed-in:not([hidden]), #error:not([hidden])');
    expect((await page.isVisible('#error')) ? await ui.text('#error') : 'ok').toBe('ok');
    expect(await ui.text('#who')).toBe('owner@example.com');
    expect(await ui.text('#role')).toBe('owner');
    // The token left the address bar once used.
    expect(page.url()).toBe(`${ui.origin}/console/sign-in`);

    const cookies = await ui.context.cookies(ui.origin);
    const session = cookies.find((cookie) => cookie.name === 'keyra_console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    // Scripts cannot read it.
    expect(await page.evaluate('document.cookie')).toBe('');

    await page.click('#challenges-button');
    await page.waitForSelector('#challenges-result:not(:empty)');
    expect(await ui.text('#challenges-result')).toBe('0 challenges in sandbox.');
    await page.selectOption('#environment', 'production');
    await page.click('#challenges-button');
    await page.waitForSelector('#challenges-result:not(:empty)');
    expect(await ui.text('#challenges-result')).toBe('0 challenges in production.');
    await ui.shoot('signed-in');

    await page.click('#signout-button');
    await page.waitForSelector('#signed-out:not([hidden])');
    const after = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    expect(after).toBe(401);

    await page.click('#signin-button');
    await page.waitForSelector('#signed-in:not([hidden]), #error:not([hidden])');
    expect((await page.isVisible('#error')) ? await ui.text('#error') : 'ok').toBe('ok');
    expect(await ui.text('#who')).toBe('owner@example.com');

    await page.click('#signout-everywhere-button');
    await page.waitForSelector('#signed-out:not([hidden])');
    // The page only ever talked to its own origin.
    expect(ui.requested.filter((url) => !url.startsWith(ui.origin))).toEqual([]);
  }, 60_000);
});
