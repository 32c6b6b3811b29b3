// The passkey playground: register a passkey, create a challenge, approve it, check the proof.
// Everything the page shows is written with textContent; nothing from the API becomes HTML.

import { ApiError, createApi } from './api.js';
import { decodeProof, verifyProofSignature } from './proof.js';

const STORAGE = {
  apiKey: 'keyra.playground.apiKey',
  userId: 'keyra.playground.userId',
  displayName: 'keyra.playground.displayName',
  passkeys: 'keyra.playground.passkeys',
  challengeId: 'keyra.playground.challengeId',
};

/** @param {string} id */
const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
};

const fields = {
  apiKey: /** @type {HTMLInputElement} */ ($('api-key')),
  userId: /** @type {HTMLInputElement} */ ($('user-id')),
  displayName: /** @type {HTMLInputElement} */ ($('display-name')),
  action: /** @type {HTMLInputElement} */ ($('action')),
  expiresIn: /** @type {HTMLInputElement} */ ($('expires-in')),
  payload: /** @type {HTMLTextAreaElement} */ ($('payload')),
};

/** The challenge shown in step 2, as `GET /v1/challenges/:id` returned it. */
let challenge = null;
let countdown = 0;

// ---------------------------------------------------------------------------------------------
// Key and user (step 0)

/** The key from the form; only sandbox keys are used. */
function currentKey() {
  const key = fields.apiKey.value.trim();
  if (key.startsWith('sk_live_'))
    throw new ApiError(
      0,
      'live_key_refused',
      'The playground only takes sandbox keys (sk_test_…).',
    );
  if (key && !/^sk_test_[0-9A-Za-z]+$/.test(key))
    throw new ApiError(
      0,
      'invalid_key',
      'A sandbox key looks like sk_test_ followed by letters and digits.',
    );
  return key;
}

function currentUserId() {
  const userId = fields.userId.value.trim();
  if (!userId) throw new ApiError(0, 'missing_user', 'Enter a user id (step 0).');
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
    status.textContent = key
      ? `Key …${key.slice(-4)} kept for this tab. Approvals are for ${fields.userId.value.trim() || '(no user)'}.`
      : 'No key yet: paste a sandbox key to start.';
  } catch (error) {
    status.className = 'status bad';
    status.textContent = error.message;
  }
}

function forgetKey() {
  sessionStorage.removeItem(STORAGE.apiKey);
  fields.apiKey.value = '';
  saveSetup();
  fields.apiKey.focus();
}

// ---------------------------------------------------------------------------------------------
// Output helpers

/** @param {HTMLElement} element @param {unknown} value */
function showJson(element, value) {
  element.textContent = JSON.stringify(value, null, 2);
}

/** @param {string} id */
function clearError(id) {
  const box = $(id);
  box.hidden = true;
  box.replaceChildren();
}

/**
 * Shows an API error as `status code` + message (+ details), or a browser error from a WebAuthn
 * ceremony in plain words.
 * @param {string} id @param {unknown} error
 */
function showError(id, error) {
  const box = $(id);
  const title = document.createElement('p');
  title.className = 'error-title';
  const message = document.createElement('p');
  box.replaceChildren(title, message);
  if (error instanceof ApiError) {
    title.textContent = error.status ? `${error.status} ${error.code}` : error.code;
    message.textContent = error.message;
    if (Array.isArray(error.details) && error.details.length > 0) {
      const list = document.createElement('ul');
      for (const detail of error.details) {
        const item = document.createElement('li');
        item.textContent =
          detail && typeof detail === 'object'
            ? [detail.field, detail.issue].filter(Boolean).join(': ')
            : String(detail);
        list.append(item);
      }
      box.append(list);
    }
  } else if (error && typeof error === 'object' && 'name' in error) {
    // WebAuthn failures come as DOMExceptions (NotAllowedError when the prompt is cancelled or
    // times out, InvalidStateError when the passkey already exists, …).
    title.textContent = `Browser: ${error.name}`;
    message.textContent =
      error.name === 'NotAllowedError'
        ? 'The browser refused: the passkey prompt was cancelled or timed out, user verification (fingerprint, face, PIN) failed, or no matching passkey is on this device. Nothing was sent to KEYRA; the challenge stays pending.'
        : String(error.message ?? error);
  } else {
    title.textContent = 'Error';
    message.textContent = String(error);
  }
  box.hidden = false;
}

/** Runs `task` with `button` disabled and marked busy. @param {HTMLButtonElement} button */
async function busy(button, task) {
  if (button.disabled) return;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await task();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

function logRequest(entry) {
  const item = document.createElement('li');
  const ok = entry.status >= 200 && entry.status < 300;
  item.className = ok ? 'log-ok' : 'log-bad';
  const status = entry.status === 0 ? 'no answer' : String(entry.status);
  item.textContent = `${entry.method} ${entry.path} → ${status}${entry.code ? ` ${entry.code}` : ''} (${Math.round(entry.ms)} ms)`;
  $('request-log').prepend(item);
}

const api = createApi(currentKey, logRequest);

/** The @simplewebauthn/browser bundle, loaded by a classic script before this module runs. */
function webAuthn() {
  const library = window.SimpleWebAuthnBrowser;
  if (!library)
    throw new ApiError(
      0,
      'webauthn_unavailable',
      'The WebAuthn helper (/console/vendor/simplewebauthn-browser.js) did not load; is @simplewebauthn/browser installed on the server?',
    );
  if (!library.browserSupportsWebAuthn())
    throw new ApiError(
      0,
      'webauthn_unsupported',
      'This browser does not support passkeys (WebAuthn).',
    );
  return library;
}

// ---------------------------------------------------------------------------------------------
// Passkeys registered from this tab: credential id → device id, per user

function knownPasskeys(userId) {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE.passkeys) ?? '{}')[userId] ?? {};
  } catch {
    return {};
  }
}

function rememberPasskey(userId, credentialId, deviceId) {
  let all = {};
  try {
    all = JSON.parse(sessionStorage.getItem(STORAGE.passkeys) ?? '{}');
  } catch {
    // Start over.
  }
  all[userId] = { ...(all[userId] ?? {}), [credentialId]: deviceId };
  sessionStorage.setItem(STORAGE.passkeys, JSON.stringify(all));
}

/** The device that made `assertion`: remembered at registration, or the user's only passkey. */
async function deviceFor(userId, assertion) {
  const known = knownPasskeys(userId)[assertion.id];
  if (known) return known;
  const list = await api.get(`/v1/devices?userId=${encodeURIComponent(userId)}`);
  const passkeys = (list.data ?? []).filter(
    (device) => device.kind === 'passkey' && device.status === 'active',
  );
  if (passkeys.length === 1) return passkeys[0].deviceId;
  throw new ApiError(
    0,
    'device_unknown',
    'This passkey was registered outside this tab and the user has several; register a passkey here (step 1) to approve with it.',
  );
}

// ---------------------------------------------------------------------------------------------
// Step 1: register

async function registerPasskey() {
  clearError('register-error');
  $('register-result').hidden = true;
  try {
    const userId = currentUserId();
    const displayName = fields.displayName.value.trim() || userId;
    const { startRegistration } = webAuthn();
    const optionsJSON = await api.post('/v1/credentials/register', { userId, displayName });
    const response = await startRegistration({ optionsJSON });
    const device = await api.post('/v1/credentials/register/verify', { userId, response });
    rememberPasskey(userId, response.id, device.deviceId);
    $('register-summary').textContent =
      `Passkey ${device.deviceId} registered for ${device.userId} (${device.kind}, status ${device.status}).`;
    showJson($('register-json'), device);
    $('register-result').hidden = false;
  } catch (error) {
    showError('register-error', error);
  }
}

// ---------------------------------------------------------------------------------------------
// Step 2: challenge

function readPayload() {
  let payload;
  try {
    payload = JSON.parse(fields.payload.value || '{}');
  } catch (error) {
    throw new ApiError(0, 'invalid_json', `The payload is not valid JSON: ${error.message}`);
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw new ApiError(
      0,
      'invalid_payload',
      'The payload must be a JSON object, e.g. {"amount": 12500}.',
    );
  return payload;
}

function renderChallenge() {
  if (!challenge) return;
  $('challenge-action').textContent = challenge.action;
  $('challenge-user').textContent = challenge.userId;
  $('challenge-id').textContent = challenge.id;
  const status = $('challenge-status');
  status.textContent = challenge.status;
  status.className = `badge badge-${challenge.status}`;
  $('challenge-digest').textContent = challenge.digest;
  showJson($('challenge-payload'), challenge.payload);
  renderExpiry();
  $('challenge-result').hidden = false;
}

function renderExpiry() {
  if (!challenge) return;
  const expiresAt = new Date(challenge.expiresAt);
  const left = Math.round((expiresAt.getTime() - Date.now()) / 1000);
  const when = expiresAt.toLocaleTimeString();
  $('challenge-expires').textContent =
    challenge.status !== 'pending'
      ? when
      : left > 0
        ? `${when} (in ${Math.floor(left / 60)} min ${left % 60} s)`
        : `${when} (expired)`;
}

async function loadChallenge(id) {
  challenge = await api.get(`/v1/challenges/${encodeURIComponent(id)}`);
  sessionStorage.setItem(STORAGE.challengeId, challenge.id);
  renderChallenge();
}

async function createChallenge() {
  clearError('challenge-error');
  try {
    const expiresIn = Number(fields.expiresIn.value);
    if (!Number.isInteger(expiresIn))
      throw new ApiError(0, 'invalid_expires_in', 'Expires in must be a whole number of seconds.');
    const created = await api.post('/v1/challenges', {
      action: fields.action.value.trim(),
      userId: currentUserId(),
      payload: readPayload(),
      expiresIn,
    });
    $('approve-result').hidden = true;
    clearError('approve-error');
    await loadChallenge(created.id);
  } catch (error) {
    showError('challenge-error', error);
  }
}

// ---------------------------------------------------------------------------------------------
// Step 3: approve and check the proof

function addCheck(list, passed, text) {
  const item = document.createElement('li');
  item.className = passed ? 'check-pass' : 'check-fail';
  const mark = document.createElement('span');
  mark.className = 'check-mark';
  mark.textContent = passed ? '✓' : '✗';
  mark.setAttribute('aria-label', passed ? 'passed' : 'failed');
  item.append(mark, ` ${text}`);
  list.append(item);
  return passed;
}

async function renderProof(verified, approvedChallenge) {
  showJson($('approve-json'), verified);
  const checks = $('proof-checks');
  checks.replaceChildren();
  const verdict = $('proof-verdict');
  if (!verified.proof) {
    verdict.className = 'verdict';
    verdict.textContent = `Challenge ${verified.id} is ${verified.status}; no proof was issued.`;
    $('proof-header').textContent = '';
    $('proof-claims').textContent = '';
    $('approve-result').hidden = false;
    return;
  }
  const decoded = decodeProof(verified.proof);
  showJson($('proof-header'), decoded.header);
  showJson($('proof-claims'), decoded.claims);
  const jwks = await api.get('/.well-known/jwks.json', { auth: false });
  const signature = await verifyProofSignature(decoded, jwks);
  const { claims } = decoded;
  let allPassed = addCheck(checks, signature.valid, signature.reason);
  allPassed =
    addCheck(
      checks,
      claims.challengeId === approvedChallenge.id,
      `challengeId is ${approvedChallenge.id}`,
    ) && allPassed;
  allPassed =
    addCheck(
      checks,
      claims.action === approvedChallenge.action,
      `action is ${approvedChallenge.action}`,
    ) && allPassed;
  allPassed =
    addCheck(
      checks,
      claims.challengeDigest === approvedChallenge.digest,
      'challengeDigest is the digest of the action and payload shown in step 2',
    ) && allPassed;
  allPassed =
    addCheck(
      checks,
      claims.sub === approvedChallenge.userId,
      `sub is ${approvedChallenge.userId}`,
    ) && allPassed;
  allPassed = addCheck(checks, claims.method === 'passkey', 'method is passkey') && allPassed;
  verdict.className = allPassed ? 'verdict verdict-ok' : 'verdict verdict-bad';
  verdict.textContent = allPassed
    ? `Approved. The proof is valid for challenge ${approvedChallenge.id}.`
    : 'Approved, but the proof failed a check below.';
  $('approve-result').hidden = false;
}

async function approveChallenge() {
  clearError('approve-error');
  $('approve-result').hidden = true;
  try {
    if (!challenge) throw new ApiError(0, 'no_challenge', 'Create a challenge first (step 2).');
    const userId = challenge.userId;
    const { startAuthentication } = webAuthn();
    let optionsJSON = await api.post('/v1/credentials/authenticate', {
      userId,
      challengeId: challenge.id,
    });
    // The attack demo: the server asked for user verification; this client asks the browser not to.
    if (/** @type {HTMLInputElement} */ ($('skip-uv')).checked)
      optionsJSON = { ...optionsJSON, userVerification: 'discouraged' };
    const assertion = await startAuthentication({ optionsJSON });
    const deviceId = await deviceFor(userId, assertion);
    const approving = challenge;
    try {
      const verified = await api.post(`/v1/challenges/${encodeURIComponent(approving.id)}/verify`, {
        deviceId,
        attestation: assertion,
      });
      await renderProof(verified, approving);
    } finally {
      // Whatever the answer, show the status the server now holds.
      await loadChallenge(approving.id).catch(() => {});
    }
  } catch (error) {
    showError('approve-error', error);
  }
}

// ---------------------------------------------------------------------------------------------
// Wiring

function restore() {
  fields.apiKey.value = sessionStorage.getItem(STORAGE.apiKey) ?? '';
  fields.userId.value = sessionStorage.getItem(STORAGE.userId) || fields.userId.value;
  fields.displayName.value =
    sessionStorage.getItem(STORAGE.displayName) || fields.displayName.value;
  saveSetup();
  const challengeId = sessionStorage.getItem(STORAGE.challengeId);
  if (challengeId && fields.apiKey.value)
    loadChallenge(challengeId).catch(() => sessionStorage.removeItem(STORAGE.challengeId));
}

$('setup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  saveSetup();
});
for (const field of [fields.apiKey, fields.userId, fields.displayName])
  field.addEventListener('change', saveSetup);
$('forget-key').addEventListener('click', forgetKey);
$('register').addEventListener('click', (event) => busy(event.currentTarget, registerPasskey));
$('challenge-form').addEventListener('submit', (event) => {
  event.preventDefault();
  busy($('create-challenge'), createChallenge);
});
$('refresh-challenge').addEventListener('click', (event) =>
  busy(event.currentTarget, async () => {
    clearError('challenge-error');
    if (challenge)
      await loadChallenge(challenge.id).catch((error) => showError('challenge-error', error));
  }),
);
$('approve').addEventListener('click', (event) => busy(event.currentTarget, approveChallenge));

countdown = window.setInterval(renderExpiry, 1000);
window.addEventListener('pagehide', () => window.clearInterval(countdown));
restore();
document.documentElement.dataset.ready = 'true';
