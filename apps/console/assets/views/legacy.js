// The playground and Usage pages predate the shell: their markup stays in index.html (served
// alone at /console/playground) and they keep the pasted sandbox key. The shell hosts them by
// importing that markup once into #legacy-host and starting console.js on it; the host is hidden
// whenever another view is shown, so their timers and state survive navigation.

/** @type {Promise<void> | null} */
let loaded = null;

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
  loaded ??= (async () => {
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
}
