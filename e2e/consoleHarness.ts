// The signed-in console in headless Chromium, as the view tests share it: `keyra serve --dev` on
// a free port with a sandbox key (consoleBrowser), the first owner invited with `keyra console
// invite` and signed in with the DevTools virtual authenticator, the shell opened at a view,
// axe-core run on it (serious or critical violations fail), and screenshots of each view at
// 1280 px and 390 px (docs/images/console-<view>.png and console-<view>-phone.png on request).
import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { consoleBrowser, type ConsoleBrowser } from './helpers/consoleBrowser.js';
import { keyraApi, type Api } from './helpers/keyraApi.js';
import { runKeyra } from './helpers/keyraProcess.js';

export { browserTestNeeds } from './helpers/consoleBrowser.js';

const DOCS_IMAGES = fileURLToPath(new URL('../docs/images/', import.meta.url));
const updateDocs = process.env.KEYRA_DOCS_SCREENSHOTS === 'true';
const inCi = process.env.CI === 'true';

/** The sizes every view is checked and photographed at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export interface ConsoleHarness {
  readonly browser: ConsoleBrowser;
  readonly page: Page;
  /** The sandbox key's API over a real socket (to create data and confirm changes). */
  readonly api: Api;
  /** Starts everything and signs the owner in; call in `beforeAll`. */
  open: () => Promise<void>;
  close: () => Promise<void>;
  /** Invites `email` as `role` with the CLI and answers the link. */
  invite: (email: string, role?: string) => Promise<string>;
  /** Opens `#/<hash>` in the shell and waits until the view rendered (and `waitFor`, if given). */
  goto: (hash: string, waitFor?: string) => Promise<void>;
  /** Picks sandbox or production in the shell's switch and waits for the view to render again. */
  switchEnvironment: (environment: 'sandbox' | 'production') => Promise<void>;
  /** Runs axe-core on the page; fails on a serious or critical violation. */
  checkAccessibility: (label: string) => Promise<void>;
  /** Screenshots at 1280 px and 390 px (`console-<name>.png`, `console-<name>-phone.png`). */
  shootView: (name: string) => Promise<void>;
}

/** axe-core's browser build, or null when the package is not installed. */
function axeSource(): string | null {
  try {
    const file = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** One console, one owner, one browser per test file. */
export function consoleHarness(name: string): ConsoleHarness {
  const browser = consoleBrowser({
    name,
    virtualAuthenticator: true,
    path: '/console/sign-in',
    viewport: VIEWPORTS.desktop,
  });
  let api: Api | undefined;
  let warnedAxe = false;
  const page = (): Page => browser.page;

  async function invite(email: string, role = 'owner'): Promise<string> {
    const invited = await runKeyra(
      [
        'console',
        'invite',
        '--email',
        email,
        '--role',
        role,
        '--base-url',
        browser.origin,
        '--json',
      ],
      { cwd: browser.dir },
    );
    expect(invited.code, invited.stderr).toBe(0);
    return (JSON.parse(invited.stdout) as { inviteUrl: string }).inviteUrl;
  }

  async function open(): Promise<void> {
    await browser.open();
    api = keyraApi(browser.server.url, browser.key);
    await page().goto(await invite('owner@example.com'));
    await page().waitForSelector('#enrol:not([hidden])');
    await page().click('#enrol-button');
    await page().waitForSelector('#signed-in:not([hidden]), #error:not([hidden])');
    expect((await page().isVisible('#error')) ? await browser.text('#error') : 'ok').toBe('ok');
  }

  async function settled(waitFor?: string): Promise<void> {
    await page().waitForSelector('html[data-ready="true"]');
    await page().waitForSelector('.state-loading', { state: 'detached' });
    if (waitFor) await page().waitForSelector(waitFor);
  }

  async function goto(hash: string, waitFor?: string): Promise<void> {
    const url = `${browser.origin}/console/#/${hash.replace(/^#?\/?/, '')}`;
    await page().evaluate("document.documentElement.removeAttribute('data-ready')");
    if (page().url() === url) await page().reload();
    else await page().goto(url);
    await settled(waitFor);
  }

  async function switchEnvironment(environment: 'sandbox' | 'production'): Promise<void> {
    await page().evaluate("document.documentElement.removeAttribute('data-ready')");
    await page().selectOption('#environment', environment);
    await page().waitForSelector(`html[data-environment="${environment}"][data-ready="true"]`);
    await settled();
  }

  async function checkAccessibility(label: string): Promise<void> {
    const source = axeSource();
    if (!source) {
      if (inCi) throw new Error('axe-core is not installed: add it to the devDependencies.');
      if (!warnedAxe) console.warn('! axe-core is not installed: accessibility checks SKIPPED.');
      warnedAxe = true;
      return;
    }
    // Evaluated through DevTools, so the console's CSP (no inline script) does not apply.
    const violations = (await page().evaluate(
      `${source}\n;axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)`,
    )) as AxeViolation[];
    const bad = violations
      .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
      .map(
        (v) => `${v.impact} ${v.id}: ${v.help} (${JSON.stringify(v.nodes.map((n) => n.target))})`,
      );
    expect(bad, `axe-core on ${label}`).toEqual([]);
  }

  async function shootView(name: string): Promise<void> {
    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      const file = `console-${name}${size === 'phone' ? '-phone' : ''}.png`;
      await page().setViewportSize(viewport);
      const target = path.join(browser.shots, file);
      await page().screenshot({ path: target, fullPage: size === 'desktop' });
      if (updateDocs) copyFileSync(target, path.join(DOCS_IMAGES, file));
      if (size === 'phone') await checkAccessibility(`${name} at 390 px`);
    }
    await page().setViewportSize(VIEWPORTS.desktop);
  }

  return {
    browser,
    get page() {
      return page();
    },
    get api() {
      if (!api) throw new Error('Call open() in beforeAll first.');
      return api;
    },
    open,
    close: () => browser.close(),
    invite,
    goto,
    switchEnvironment,
    checkAccessibility,
    shootView,
  };
}
