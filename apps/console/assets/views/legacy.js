// The playground and Usage pages predate the shell: their markup stays in index.html (served
// alone at /console/playground, with a pasted sandbox key). The shell hosts them on the console
// session instead (no key: `hostInConsole`, in the environment of the shell's switch) by
// importing that markup once into #legacy-host and starting console.js on it; the host is hidden
// whenever another view is shown, so their timers and state survive navigation.

import { hostInConsole } from '../keyra.js';

/** @type {Promise<void> | null} */
let loaded = null;
/** The environment of the latest render: the hosted pages' requests use it. */
/** @type {'sandbox' | 'production'} */
let environment = 'sandbox';

function host() {
  const found = document.getElementById('legacy-host');
  if (!found) throw new Error('#legacy-host is missing from app.html');
  return found;
}

window.addEventListener('keyra:view', (event) => {
  const { id } = /** @type {CustomEvent<{ id: string }>} */ (event).detail;
  if (id !== 'playground' && id !== 'usage') host().hidden = true;
});

/**
 * Shows the hosted page; console.js picks the playground or Usage from the hash (`#/usage`).
 * @param {import('../shell.js').ViewContext} ctx
 */
export async function showLegacy(ctx) {
  const refresh = loaded !== null && environment !== ctx.environment;
  environment = ctx.environment;
  loaded ??= (async () => {
    hostInConsole({ fetch: ctx.api.sessionFetch(() => environment) });
    const markup = await ctx.api.playgroundMarkup();
    const page = new DOMParser().parseFromString(markup, 'text/html');
    const main = page.querySelector('main');
    if (!main) throw new Error('The playground page has no <main>.');
    host().replaceChildren(...[...main.childNodes].map((node) => document.importNode(node, true)));
    await import('../console.js');
  })();
  try {
    await loaded;
  } catch (error) {
    loaded = null;
    throw error;
  }
  host().hidden = false;
  if (refresh) window.dispatchEvent(new Event('keyra:legacy-refresh'));
}
