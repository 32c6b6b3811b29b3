// The console page: the sandbox key (shared by every view), the request log, and the views
// (`#playground` with its voice flow, `#usage`) switched by the URL's hash.

import { createClients, hostedSession, pageError } from './keyra.js';
import { startPlayground } from './playground.js';
import { startPlaygroundSteps } from './playgroundSteps.js';
import { startUsage } from './usage.js';
import { startVoice } from './voice.js';
import { $ } from './ui.js';

const STORAGE = {
  apiKey: 'keyra.playground.apiKey',
  userId: 'keyra.playground.userId',
  displayName: 'keyra.playground.displayName',
};

/** @type {Record<string, string>} */
const VIEWS = {
  playground: 'Playground · KEYRA Console',
  usage: 'Usage · KEYRA Console',
};

const fields = {
  apiKey: /** @type {HTMLInputElement} */ ($('api-key')),
  userId: /** @type {HTMLInputElement} */ ($('user-id')),
  displayName: /** @type {HTMLInputElement} */ ($('display-name')),
};

// ---------------------------------------------------------------------------------------------
// Passkeys need a domain name: on an IP address, point to the same page on localhost.

const isIpHost = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i.test(location.hostname);
if (isIpHost) {
  const onLocalhost = new URL(location.href);
  onLocalhost.hostname = 'localhost';
  /** @type {HTMLAnchorElement} */ ($('ip-host-link')).href = onLocalhost.href;
  $('ip-host-notice').hidden = false;
}

// ---------------------------------------------------------------------------------------------
// Key and user

/** The key from the form; only sandbox keys are used. */
function currentKey() {
  const key = fields.apiKey.value.trim();
  if (key.startsWith('sk_live_'))
    throw pageError('live_key_refused', 'The console only takes sandbox keys (sk_test_…).');
  if (key && !/^sk_test_[0-9A-Za-z]+$/.test(key))
    throw pageError(
      'invalid_key',
      'A sandbox key looks like sk_test_ followed by letters and digits.',
    );
  return key;
}

function currentUserId() {
  const userId = fields.userId.value.trim();
  if (!userId) throw pageError('missing_user', 'Enter a user id (step 0).');
  return userId;
}

function saveSetup() {
  const status = $('setup-status');
  try {
    const key = currentKey();
    if (key) sessionStorage.setItem(STORAGE.apiKey, key);
    else sessionStorage.removeItem(STORAGE.apiKey);
    sessionStorage.setItem(STORAGE.userId, fields.userId.value.trim());
    sessionStorage.setItem(STORAGE.displayName, fields.displayName.value.trim());
    status.className = 'status';
    const user = fields.userId.value.trim() || '(no user)';
    status.textContent = hostedSession()
      ? `Approvals are for ${user}.`
      : key
        ? `Key …${key.slice(-4)} kept for this tab. Approvals are for ${user}.`
        : 'No key yet: paste a sandbox key to start.';
  } catch (error) {
    status.className = 'status bad';
    status.textContent = error instanceof Error ? error.message : String(error);
  }
}

function forgetKey() {
  sessionStorage.removeItem(STORAGE.apiKey);
  fields.apiKey.value = '';
  saveSetup();
  fields.apiKey.focus();
}

// ---------------------------------------------------------------------------------------------
// Request log

/** @param {import('./keyra.js').LogEntry} entry */
function logRequest(entry) {
  const item = document.createElement('li');
  const ok = entry.status >= 200 && entry.status < 300;
  item.className = ok ? 'log-ok' : 'log-bad';
  const status = entry.status === 0 ? 'no answer' : String(entry.status);
  item.textContent = `${entry.method} ${entry.path} → ${status}${entry.code ? ` ${entry.code}` : ''} (${Math.round(entry.ms)} ms)`;
  $('request-log').prepend(item);
}

// ---------------------------------------------------------------------------------------------
// Views

// Hosted by the signed-in console, requests go through the console session: no key field.
const session = hostedSession();
if (session) {
  for (const element of document.querySelectorAll('[data-key-only]'))
    /** @type {HTMLElement} */ (element).hidden = true;
  $('session-note').hidden = false;
}
const clients = createClients(currentKey, logRequest, session);
const playground = startPlayground({
  clients,
  currentUserId,
  hasKey: () => session !== null || Boolean(fields.apiKey.value.trim()),
});
startVoice({ clients, stampConfiguration: playground.stampConfiguration });
startPlaygroundSteps();
const usage = startUsage({ clients });

// Alone (/console/playground) the hash is `#usage`; hosted by the shell (app.html) it is
// `#/usage`, and other views' hashes are the shell's business.
const inShell = document.documentElement.dataset.shell === 'true';

function showView() {
  const requested = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  if (inShell && !(requested in VIEWS)) return;
  const view = requested in VIEWS ? requested : 'playground';
  for (const element of document.querySelectorAll('[data-view]'))
    /** @type {HTMLElement} */ (element).hidden = element.getAttribute('data-view') !== view;
  for (const link of document.querySelectorAll('nav a[data-nav]')) {
    if (link.getAttribute('data-nav') === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = VIEWS[view];
  document.documentElement.dataset.currentView = view;
  // With a session, Usage has nothing to set up.
  if (session) $('setup-card').hidden = view === 'usage';
  if (view === 'usage') usage.show();
}

$('setup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  saveSetup();
  if (document.documentElement.dataset.currentView === 'usage') usage.show();
});
for (const field of [fields.apiKey, fields.userId, fields.displayName])
  field.addEventListener('change', saveSetup);
$('forget-key').addEventListener('click', forgetKey);
window.addEventListener('hashchange', showView);
// The console shell re-shows this page after its environment switch: show the figures again.
window.addEventListener('keyra:legacy-refresh', showView);

fields.apiKey.value = sessionStorage.getItem(STORAGE.apiKey) ?? '';
fields.userId.value = sessionStorage.getItem(STORAGE.userId) || fields.userId.value;
fields.displayName.value = sessionStorage.getItem(STORAGE.displayName) || fields.displayName.value;
saveSetup();
playground.restore();
showView();
if (!inShell) document.documentElement.dataset.ready = 'true';
