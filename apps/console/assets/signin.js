import { ConsoleApiError, createConsoleApi } from './consoleApi.js';

const api = createConsoleApi();

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from signin.html`);
  return found;
}

/** @param {unknown} error */
function showError(error) {
  const box = element('error');
  box.textContent =
    error instanceof ConsoleApiError
      ? `${error.status} ${error.code}: ${error.message}`
      : `${error instanceof Error ? error.name : 'Error'}: ${error instanceof Error ? error.message : String(error)}`;
  box.hidden = false;
}

function clearError() {
  element('error').hidden = true;
}

function webAuthn() {
  const library = window.SimpleWebAuthnBrowser;
  if (!library) throw new Error('The WebAuthn helper did not load.');
  return library;
}

// The shell sends signed-out visitors here with `?return=<its hash>`; signing in goes back.
const returnTo = new URLSearchParams(location.search).get('return');

/** @param {import('./consoleApi.js').ConsoleSession | null} session */
function show(session) {
  element('signed-in').hidden = session === null;
  element('signed-out').hidden = session !== null || !element('enrol').hidden;
  if (!session) return;
  element('enrol').hidden = true;
  element('who').textContent = session.user.email;
  element('role').textContent = session.user.role;
  element('tenant').textContent = session.tenant.name;
}

/** The environment switch, kept for the tab. */
const environmentSelect = /** @type {HTMLSelectElement} */ (element('environment'));
environmentSelect.value = sessionStorage.getItem('keyra.console.environment') ?? 'sandbox';
environmentSelect.addEventListener('change', () => {
  sessionStorage.setItem('keyra.console.environment', environmentSelect.value);
  element('challenges-result').textContent = '';
});

/** @param {string} id @param {() => Promise<void>} action */
function onClick(id, action) {
  const button = /** @type {HTMLButtonElement} */ (element(id));
  button.addEventListener('click', async () => {
    clearError();
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
    }
  });
}

// An invite link carries its token in the fragment (#token=…), which never reaches the server.
const inviteToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (inviteToken) {
  try {
    const invite = await api.enrolmentOptions(inviteToken);
    element('enrol-email').textContent = invite.email;
    element('enrol-role').textContent = invite.role;
    element('enrol').hidden = false;
    onClick('enrol-button', async () => {
      const response = await webAuthn().startRegistration({ optionsJSON: invite.options });
      const session = await api.enrol(inviteToken, response);
      history.replaceState(null, '', '/console/sign-in');
      show(session);
    });
  } catch (error) {
    showError(error);
  }
}

onClick('signin-button', async () => {
  const optionsJSON = await api.signInOptions();
  show(await api.signIn(await webAuthn().startAuthentication({ optionsJSON })));
  if (returnTo !== null) location.assign(`/console/${returnTo.startsWith('#') ? returnTo : ''}`);
});
onClick('signout-button', async () => {
  await api.signOut();
  show(null);
});
onClick('signout-everywhere-button', async () => {
  await api.signOutEverywhere();
  show(null);
});
onClick('challenges-button', async () => {
  const environment = environmentSelect.value === 'production' ? 'production' : 'sandbox';
  const { data } = await api.listChallenges(environment);
  element('challenges-result').textContent =
    `${data.length} challenge${data.length === 1 ? '' : 's'} in ${environment}` +
    (data.length ? `: ${data.map((c) => `${c.id} (${c.status})`).join(', ')}` : '.');
});

show(await api.session().catch((error) => (showError(error), null)));
document.documentElement.dataset.ready = 'true';
