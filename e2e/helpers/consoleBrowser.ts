// The web console of a real `keyra serve --dev` in a real headless Chromium (recipe A of the
// dependency research: Debian's /usr/bin/chromium driven by playwright-core), as the browser
// end-to-end tests share it: the skip rule, the server, a sandbox key, the browser and the page,
// the screenshots, and the teardown.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { runKeyra, startKeyra, type KeyraServer } from './keyraProcess.js';

/** The Chromium the tests drive: `$KEYRA_CHROMIUM`, else Debian's package. */
export const CHROMIUM = process.env.KEYRA_CHROMIUM ?? '/usr/bin/chromium';

/** Flags every browser test launches Chromium with: no sandbox, GPU or background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const inCi = process.env.CI === 'true';
/** With KEYRA_DOCS_SCREENSHOTS=true the screenshots named in docs/console.md are refreshed. */
const DOCS_IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const updateDocs = process.env.KEYRA_DOCS_SCREENSHOTS === 'true';

/** What a browser test file needs and this machine lacks, and what follows from it. */
export interface BrowserTestNeeds {
  /** Each missing thing with how to get it; empty when the test can run. */
  readonly missing: readonly string[];
  /** Outside CI with something missing the suite skips, loudly; CI fails instead. */
  readonly skip: boolean;
  /** Throws naming what is missing: call it first in `beforeAll` (it only runs unskipped). */
  check: () => void;
}

/**
 * Checks for Chromium and the `more` a test file names (each as `thing (how to get it)`), and
 * warns in a banner naming `file` when the suite will skip.
 */
export function browserTestNeeds(file: string, more: readonly string[] = []): BrowserTestNeeds {
  const missing = [
    ...(existsSync(CHROMIUM)
      ? []
      : [`Chromium at ${CHROMIUM} (apt-get install chromium, or set KEYRA_CHROMIUM)`]),
    ...more,
  ];
  const skip = missing.length > 0 && !inCi;
  if (skip) {
    console.warn(
      `\n${'!'.repeat(78)}\n! SKIPPED ${file}: needs ${missing.join(', ')}.\n` +
        `! CI fails instead of skipping.\n${'!'.repeat(78)}\n`,
    );
  }
  return {
    missing,
    skip,
    check: () => {
      if (missing.length > 0) throw new Error(`CI needs ${missing.join(', ')}.`);
    },
  };
}

export interface ConsoleBrowserOptions {
  /** Names the temp dir and `test-results/<name>/`, where the screenshots go. */
  name: string;
  /** The server's working directory and the browser profile's parent; a new temp dir if absent. */
  dir?: string;
  /** The console page opened first. */
  path?: string;
  /** Flags added after CHROMIUM_ARGS. */
  args?: readonly string[];
  /** Adds a DevTools WebAuthn virtual authenticator (a platform passkey that verifies the user). */
  virtualAuthenticator?: boolean;
  viewport?: { width: number; height: number };
  /** How long `outcome` waits for a result or an error box, in milliseconds. */
  outcomeTimeout?: number;
}

/** The virtual authenticator, to list, clear or fail its credentials through DevTools. */
export interface VirtualAuthenticator {
  cdp: CDPSession;
  authenticatorId: string;
}

export interface ShootRangeOptions {
  /** The element whose left and right edges the shot takes; `first` if absent. */
  frame?: string;
  /** Pixels around the range. */
  margin?: number;
}

/**
 * One console in one browser. `dir`, `shots`, `requested` and the functions exist at once; the
 * rest after `open()`. The functions close over the handle, so they may be destructured.
 */
export interface ConsoleBrowser {
  readonly dir: string;
  /** `test-results/<name>/`. */
  readonly shots: string;
  /** Every URL the page requested, in order. */
  readonly requested: string[];
  readonly server: KeyraServer;
  /** `http://localhost:PORT`: WebAuthn and getUserMedia need a secure context, 127.0.0.1 is not. */
  readonly origin: string;
  /** A sandbox API key. */
  readonly key: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Only with `virtualAuthenticator: true`. */
  readonly authenticator: VirtualAuthenticator;
  /** Starts the server, creates the key, launches Chromium and loads the page; resolves to it. */
  open: () => Promise<Page>;
  /** Prints the server's logged errors, then closes the browser, stops the server, removes `dir`. */
  close: () => Promise<void>;
  /** GET on the server, with the key unless `auth` is false. */
  getJson: <T = Record<string, unknown>>(
    url: string,
    auth?: boolean,
  ) => Promise<{ status: number; body: T }>;
  /**
   * Waits for the box `#result` or `#error` to show and says which: `ok`, or `error: ` and the
   * error box's text (so a failed expectation shows the page's message).
   */
  outcome: (result: string, error: string) => Promise<string>;
  /** The trimmed text of an element. */
  text: (selector: string) => Promise<string>;
  /**
   * Saves `shots/<name>.png` of an element, or of the full page; `docs` ones also refresh
   * docs/images/ on request.
   */
  shoot: (name: string, selector?: string, docs?: boolean) => Promise<void>;
  /**
   * A screenshot from the top of `first` to the bottom of `last`, for the docs: it always
   * refreshes docs/images/ on request.
   */
  shootRange: (
    name: string,
    first: string,
    last: string,
    options?: ShootRangeOptions,
  ) => Promise<void>;
}

interface Opened {
  server: KeyraServer;
  origin: string;
  key: string;
  context: BrowserContext;
  page: Page;
  authenticator?: VirtualAuthenticator;
}

/** A console handle for one test file: `open()` in `beforeAll`, `close()` in `afterAll`. */
export function consoleBrowser(options: ConsoleBrowserOptions): ConsoleBrowser {
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), `keyra-${options.name}-`));
  const shots = fileURLToPath(new URL(`../../test-results/${options.name}/`, import.meta.url));
  const requested: string[] = [];
  // Set one by one, so close() undoes whatever a failed open() got to.
  let server: KeyraServer | undefined;
  let context: BrowserContext | undefined;
  let opened: Opened | undefined;

  const get = (): Opened => {
    if (!opened) throw new Error('The console is not open: call open() in beforeAll.');
    return opened;
  };
  const page = (): Page => get().page;

  async function open(): Promise<Page> {
    mkdirSync(shots, { recursive: true });
    server = await startKeyra(['--dev'], { cwd: dir });
    const created = await runKeyra(['keys', 'create', '--env', 'sandbox', '--json'], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    // WebAuthn and getUserMedia need a secure context; the dev relying party is `localhost`.
    const origin = `http://localhost:${new URL(server.url).port}`;

    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      viewport: options.viewport ?? { width: 1100, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requested.push(request.url()));
    let authenticator: VirtualAuthenticator | undefined;
    if (options.virtualAuthenticator) {
      const cdp = await context.newCDPSession(page);
      // The virtual authenticator must exist before the page loads.
      await cdp.send('WebAuthn.enable', { enableUI: false });
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      authenticator = { cdp, authenticatorId };
    }
    await page.goto(`${origin}${options.path ?? '/console/playground'}`);
    await page.waitForSelector('html[data-ready="true"]');
    opened = { server, origin, key, context, page, authenticator };
    return page;
  }

  async function close(): Promise<void> {
    // Server-side errors explain a failing step better than the page's generic 500.
    const errors = (server?.stdout() ?? '')
      .split('\n')
      .filter((line) => /"level":(50|60)/.test(line));
    if (errors.length > 0) console.error(`keyra serve logged errors:\n${errors.join('\n')}`);
    await context?.close();
    await server?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }

  async function getJson<T = Record<string, unknown>>(
    url: string,
    auth = true,
  ): Promise<{ status: number; body: T }> {
    const { server, key } = get();
    const res = await fetch(`${server.url}${url}`, {
      headers: auth ? { authorization: `Bearer ${key}` } : {},
    });
    return { status: res.status, body: (await res.json()) as T };
  }

  async function outcome(result: string, error: string): Promise<string> {
    await page().waitForSelector(`#${result}:not([hidden]), #${error}:not([hidden])`, {
      timeout: options.outcomeTimeout ?? 15_000,
    });
    // Some steps refresh the page after showing the answer; let it settle.
    await page().waitForSelector('button[aria-busy="true"]', { state: 'detached' });
    return (await page().isVisible(`#${error}`))
      ? `error: ${(await page().textContent(`#${error}`)) ?? ''}`
      : 'ok';
  }

  const text = async (selector: string): Promise<string> =>
    ((await page().textContent(selector)) ?? '').trim();

  async function shoot(name: string, selector?: string, docs = false): Promise<void> {
    const file = path.join(shots, `${name}.png`);
    if (selector) await page().locator(selector).screenshot({ path: file });
    else await page().screenshot({ path: file, fullPage: true });
    if (docs && updateDocs) copyFileSync(file, path.join(DOCS_IMAGES, `${name}.png`));
  }

  async function shootRange(
    name: string,
    first: string,
    last: string,
    { frame, margin = 12 }: ShootRangeOptions = {},
  ): Promise<void> {
    const top = await page().locator(first).boundingBox();
    const bottom = await page().locator(last).boundingBox();
    const card = frame ? await page().locator(frame).boundingBox() : top;
    if (!card || !top || !bottom) throw new Error(`${frame ?? first} or ${last} is not visible`);
    // boundingBox() is relative to the viewport; a full-page clip to the document.
    const scrollY = await page().evaluate<number>('window.scrollY');
    const file = path.join(shots, `${name}.png`);
    await page().screenshot({
      path: file,
      fullPage: true,
      clip: {
        x: card.x - margin,
        y: top.y + scrollY - margin,
        width: card.width + 2 * margin,
        height: bottom.y + bottom.height - top.y + 2 * margin,
      },
    });
    if (updateDocs) copyFileSync(file, path.join(DOCS_IMAGES, `${name}.png`));
  }

  return {
    dir,
    shots,
    requested,
    get server() {
      return get().server;
    },
    get origin() {
      return get().origin;
    },
    get key() {
      return get().key;
    },
    get context() {
      return get().context;
    },
    get page() {
      return page();
    },
    get authenticator() {
      const { authenticator } = get();
      if (!authenticator) throw new Error('Open the console with virtualAuthenticator: true.');
      return authenticator;
    },
    open,
    close,
    getJson,
    outcome,
    text,
    shoot,
    shootRange,
  };
}
