// The signed-in console at /console/: the session (or a redirect to sign-in), the nav of every
// view, the sandbox/production switch (per tab), who is signed in, sign-out, and the router:
// `#/<view>/<detail…>?<query>` picks a view module from views/index.js and renders it.

import { createConsoleApi } from './consoleApi.js';
import { VIEWS } from './views/index.js';
import { errorState, h } from './views/common.js';

/**
 * @typedef {{ api: ReturnType<typeof import('./consoleApi.js').createConsoleApi>, environment: 'sandbox'|'production',
 *   session: import('./consoleApi.js').ConsoleSession, params: string[], query: URLSearchParams,
 *   navigate: (hash: string) => void, signal: AbortSignal }} ViewContext */
/** @typedef {{ id: string, title: string, render: (root: HTMLElement, ctx: ViewContext) => Promise<void> | void }} ConsoleView */

/** Every view in nav order; those not in the registry yet say so when opened. */
const NAV = [
  ['overview', 'Overview'],
  ['challenges', 'Challenges'],
  ['devices', 'Devices & passkeys'],
  ['keys', 'API keys'],
  ['webhooks', 'Webhooks'],
  ['events', 'Events'],
  ['voice', 'Voice'],
  ['stamps', 'Stamps'],
  ['usage', 'Usage'],
  ['policies', 'Policies'],
  ['audit', 'Audit log'],
  ['members', 'Members'],
  ['playground', 'Playground'],
];
const ENVIRONMENT_KEY = 'keyra.console.environment';

const api = createConsoleApi();
const session = await api.session().catch(() => null);
if (!session) {
  location.replace(`/console/sign-in?return=${encodeURIComponent(location.hash)}`);
  throw new Error('Not signed in: going to the sign-in page.');
}

/** @type {Map<string, ConsoleView>} */
const registry = new Map(VIEWS.map((view) => [view.id, view]));

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from app.html`);
  return found;
}

const nav = element('views-nav');
const viewRoot = element('view-root');
const environmentSelect = /** @type {HTMLSelectElement} */ (element('environment'));

for (const [id, title] of NAV) {
  nav.append(h('li', {}, [h('a', { href: `#/${id}`, 'data-view-link': id }, [title])]));
}
element('who').textContent = session.user.email;
element('role').textContent = session.user.role;
element('tenant').textContent = session.tenant.name;

/** @returns {'sandbox' | 'production'} */
function environment() {
  return sessionStorage.getItem(ENVIRONMENT_KEY) === 'production' ? 'production' : 'sandbox';
}
environmentSelect.value = environment();
environmentSelect.addEventListener('change', () => {
  sessionStorage.setItem(ENVIRONMENT_KEY, environmentSelect.value);
  void route();
});

element('sign-out').addEventListener('click', async () => {
  await api.signOut().catch(() => undefined);
  location.assign('/console/sign-in');
});

// Ends every session of this user (other browsers and devices too), then this page's.
element('sign-out-everywhere').addEventListener('click', async () => {
  await api.signOutEverywhere().catch(() => undefined);
  location.assign('/console/sign-in');
});

/** `#/challenges/chl_1?status=pending` → view id, params, query. Old `#usage` links still work. */
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?');
  const [id = '', ...params] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { id: id || 'overview', params, query: new URLSearchParams(search) };
}

/** @param {string} hash */
function navigate(hash) {
  const next = hash.startsWith('#') ? hash : `#${hash}`;
  if (location.hash === next) void route();
  else location.hash = next;
}

/** @type {AbortController | null} */
let current = null;

async function route() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const { id, params, query } = parseHash();
  const env = environment();
  const title = NAV.find(([navId]) => navId === id)?.[1] ?? 'Not found';
  for (const link of nav.querySelectorAll('a[data-view-link]')) {
    if (link.getAttribute('data-view-link') === id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${title} · ${env === 'production' ? 'Production' : 'Sandbox'} · KEYRA Console`;
  document.documentElement.dataset.environment = env;
  document.documentElement.dataset.currentView = id;
  window.dispatchEvent(new CustomEvent('keyra:view', { detail: { id } }));

  const root = h('div', { className: 'view', 'data-view-id': id });
  viewRoot.replaceChildren(root);
  const view = registry.get(id);
  try {
    if (!view) {
      root.append(
        h('h1', { tabIndex: -1 }, [title]),
        h('p', { className: 'state state-empty' }, [
          NAV.some(([navId]) => navId === id)
            ? 'This view is not built yet.'
            : `There is no view called “${id}”.`,
        ]),
      );
    } else {
      /** @type {ViewContext} */
      const ctx = {
        api,
        environment: env,
        session: /** @type {import('./consoleApi.js').ConsoleSession} */ (session),
        params,
        query,
        navigate,
        signal: controller.signal,
      };
      await view.render(root, ctx);
    }
  } catch (error) {
    if (!controller.signal.aborted) root.append(errorState(error));
  }
  if (controller.signal.aborted) return;
  const headingElement = [...document.querySelectorAll('main h1')].find(
    (candidate) => /** @type {HTMLElement} */ (candidate).offsetParent !== null,
  );
  if (headingElement instanceof HTMLElement) {
    if (!headingElement.hasAttribute('tabindex')) headingElement.tabIndex = -1;
    headingElement.focus();
  }
  document.documentElement.dataset.ready = 'true';
}

window.addEventListener('hashchange', () => void route());
await route();
