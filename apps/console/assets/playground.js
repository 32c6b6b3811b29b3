// The playground: register a passkey, create a challenge (with a stamp if asked), approve it,
// check the proof and the stamp; look up any stamp by its id.
// Everything the page shows is written with textContent; nothing from the API becomes HTML.

import { checkProof, pageError } from './keyra.js';
import { decodeJws } from './jws.js';
import { renderStamp } from './stamp.js';
import { $, addCheck, busy, clearError, h, showError, showJson } from './ui.js';

/** @typedef {import('../sdk/index.js').StampConfig} StampConfig */
/** @typedef {import('../sdk/index.js').Challenge} Challenge */
/** @typedef {import('@simplewebauthn/browser').PublicKeyCredentialCreationOptionsJSON} PublicKeyCredentialCreationOptionsJSON */
/** @typedef {import('@simplewebauthn/browser').PublicKeyCredentialRequestOptionsJSON} PublicKeyCredentialRequestOptionsJSON */

const STORAGE = {
  passkeys: 'keyra.playground.passkeys',
  challengeId: 'keyra.playground.challengeId',
};

/**
 * Wires the playground view.
 * @param {{
 *   clients: import('./keyra.js').Clients,
 *   currentUserId: () => string,
 *   hasKey: () => boolean,
 * }} context
 * @returns {{ restore: () => void, stampConfiguration: () => Promise<StampConfig | null> }}
 *   `restore` reloads the challenge this tab was showing; `stampConfiguration` gives the server's
 *   stamp configuration (fetched once), for the voice flow's stamp checks
 */
export function startPlayground({ clients, currentUserId, hasKey }) {
  const fields = {
    action: /** @type {HTMLInputElement} */ ($('action')),
    expiresIn: /** @type {HTMLInputElement} */ ($('expires-in')),
    payload: /** @type {HTMLTextAreaElement} */ ($('payload')),
    stamp: /** @type {HTMLInputElement} */ ($('request-stamp')),
  };

  /** @type {Challenge | null} The challenge shown in step 2, as `GET /v1/challenges/:id` returned it. */
  let challenge = null;

  /** The stamp configuration; public, fetched once per page (the SDK caches the JWKS itself). */
  /** @type {StampConfig | null | undefined} */
  let published;
  async function stampConfiguration() {
    // Null when the server does not publish one (or is older); the stamp is still shown.
    published ??= await clients.anonymous.stamps.configuration().catch(() => null);
    return published;
  }

  /** The @simplewebauthn/browser bundle, loaded by a classic script before the modules run. */
  function webAuthn() {
    const library = window.SimpleWebAuthnBrowser;
    if (!library)
      throw pageError(
        'webauthn_unavailable',
        'The WebAuthn helper (/console/vendor/simplewebauthn-browser.js) did not load; is @simplewebauthn/browser installed on the server?',
      );
    if (!library.browserSupportsWebAuthn())
      throw pageError('webauthn_unsupported', 'This browser does not support passkeys (WebAuthn).');
    return library;
  }

  // -------------------------------------------------------------------------------------------
  // Passkeys registered from this tab: credential id → device id, per user

  /** @param {string} userId @returns {Record<string, string>} credential id → device id */
  function knownPasskeys(userId) {
    try {
      return JSON.parse(sessionStorage.getItem(STORAGE.passkeys) ?? '{}')[userId] ?? {};
    } catch {
      return {};
    }
  }

  /** @param {string} userId @param {string} credentialId @param {string} deviceId */
  function rememberPasskey(userId, credentialId, deviceId) {
    /** @type {Record<string, Record<string, string>>} */
    let all = {};
    try {
      all = JSON.parse(sessionStorage.getItem(STORAGE.passkeys) ?? '{}');
    } catch {
      // Start over.
    }
    all[userId] = { ...(all[userId] ?? {}), [credentialId]: deviceId };
    sessionStorage.setItem(STORAGE.passkeys, JSON.stringify(all));
  }

  /**
   * The device that made `assertion`: remembered at registration, or the user's only passkey.
   * @param {string} userId @param {{ id: string }} assertion @returns {Promise<string>}
   */
  async function deviceFor(userId, assertion) {
    const known = knownPasskeys(userId)[assertion.id];
    if (known) return known;
    const list = await clients.withKey().devices.list({ userId });
    const passkeys = (list.data ?? []).filter(
      (device) => device.kind === 'passkey' && device.status === 'active',
    );
    if (passkeys.length === 1) return passkeys[0].deviceId;
    throw pageError(
      'device_unknown',
      'This passkey was registered outside this tab and the user has several; register a passkey here (step 1) to approve with it.',
    );
  }

  // -------------------------------------------------------------------------------------------
  // Step 1: register

  async function registerPasskey() {
    clearError('register-error');
    $('register-result').hidden = true;
    try {
      const userId = currentUserId();
      const displayName =
        /** @type {HTMLInputElement} */ ($('display-name')).value.trim() || userId;
      const { startRegistration } = webAuthn();
      // The contract types only `challenge`; the server sends complete creation options.
      const optionsJSON = /** @type {PublicKeyCredentialCreationOptionsJSON} */ (
        await clients.withKey().credentials.registrationOptions({ userId, displayName })
      );
      const response = await startRegistration({ optionsJSON });
      const device = await clients.withKey().credentials.verifyRegistration({ userId, response });
      rememberPasskey(userId, response.id, device.deviceId);
      $('register-summary').textContent =
        `Passkey ${device.deviceId} registered for ${device.userId} (${device.kind}, status ${device.status}).`;
      showJson($('register-json'), device);
      $('register-result').hidden = false;
    } catch (error) {
      showError('register-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Step 2: challenge

  function readPayload() {
    let payload;
    try {
      payload = JSON.parse(fields.payload.value || '{}');
    } catch (error) {
      throw pageError(
        'invalid_json',
        `The payload is not valid JSON: ${/** @type {SyntaxError} */ (error).message}`,
      );
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
      throw pageError(
        'invalid_payload',
        'The payload must be a JSON object, e.g. {"amount": 12500}.',
      );
    return payload;
  }

  function renderChallenge() {
    if (!challenge) return;
    $('challenge-action').textContent = challenge.action;
    // A CIBA request's binding message: the human compares it with the client's screen.
    const binding = challenge.bindingMessage ?? '';
    $('challenge-binding').textContent = binding;
    $('challenge-binding').hidden = binding === '';
    $('challenge-binding-label').hidden = binding === '';
    $('challenge-user').textContent = challenge.userId;
    $('challenge-id').textContent = challenge.id;
    const status = $('challenge-status');
    status.textContent = challenge.status;
    status.className = `badge badge-${challenge.status}`;
    $('challenge-digest').textContent = challenge.digest;
    const stamp = $('challenge-stamp');
    if (challenge.stampId)
      stamp.replaceChildren(
        h('a', {
          href: `/v1/stamps/${encodeURIComponent(challenge.stampId)}`,
          textContent: challenge.stampId,
          target: '_blank',
          rel: 'noopener',
        }),
      );
    else
      stamp.textContent = challenge.stampRequested
        ? 'requested: issued when the challenge is approved'
        : 'not requested';
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

  /** @param {string} id */
  async function loadChallenge(id) {
    challenge = await clients.withKey().challenges.retrieve(id);
    sessionStorage.setItem(STORAGE.challengeId, challenge.id);
    renderChallenge();
  }

  async function createChallenge() {
    clearError('challenge-error');
    try {
      const expiresIn = Number(fields.expiresIn.value);
      if (!Number.isInteger(expiresIn))
        throw pageError('invalid_expires_in', 'Expires in must be a whole number of seconds.');
      /** @type {import('../sdk/index.js').CreateChallengeParams} */
      const body = {
        action: fields.action.value.trim(),
        userId: currentUserId(),
        payload: readPayload(),
        expiresIn,
      };
      if (fields.stamp.checked) body.stamp = true;
      const created = await clients.withKey().challenges.create(body);
      $('approve-result').hidden = true;
      clearError('approve-error');
      await loadChallenge(created.id);
    } catch (error) {
      showError('challenge-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Step 3: approve and check the proof and the stamp

  /**
   * @param {import('../sdk/index.js').VerifiedChallenge} verified
   * @param {Challenge} approvedChallenge
   */
  async function renderProof(verified, approvedChallenge) {
    showJson($('approve-json'), verified);
    const checks = $('proof-checks');
    checks.replaceChildren();
    const stampBox = $('approve-stamp');
    stampBox.hidden = true;
    stampBox.replaceChildren();
    const verdict = $('proof-verdict');
    if (!verified.proof) {
      verdict.className = 'verdict';
      verdict.textContent = `Challenge ${verified.id} is ${verified.status}; no proof was issued.`;
      $('proof-header').textContent = '';
      $('proof-claims').textContent = '';
      $('approve-result').hidden = false;
      return;
    }
    const decoded = decodeJws(verified.proof);
    showJson($('proof-header'), decoded.header);
    showJson($('proof-claims'), decoded.claims);
    const signature = await checkProof(clients.anonymous, verified.proof);
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
    if (verified.stamp) {
      allPassed =
        (await renderStamp(stampBox, verified.stamp, {
          proof: verified.proof,
          keyra: clients.anonymous,
          published: await stampConfiguration(),
        })) && allPassed;
    } else if (approvedChallenge.stampRequested) {
      stampBox.replaceChildren(
        h('p', {
          className: 'status bad',
          textContent: 'A stamp was requested but the answer has none.',
        }),
      );
      stampBox.hidden = false;
      allPassed = false;
    }
    verdict.className = allPassed ? 'verdict verdict-ok' : 'verdict verdict-bad';
    verdict.textContent = allPassed
      ? `Approved. The proof${verified.stamp ? ' and its stamp are' : ' is'} valid for challenge ${approvedChallenge.id}.`
      : 'Approved, but a check below failed.';
    $('approve-result').hidden = false;
  }

  async function approveChallenge() {
    clearError('approve-error');
    $('approve-result').hidden = true;
    try {
      if (!challenge) throw pageError('no_challenge', 'Create a challenge first (step 2).');
      const userId = challenge.userId;
      if (!userId)
        throw pageError(
          'quorum_challenge',
          'This challenge asks several approvers; the playground approves single-user challenges only.',
        );
      const { startAuthentication } = webAuthn();
      let optionsJSON = /** @type {PublicKeyCredentialRequestOptionsJSON} */ (
        await clients.withKey().credentials.authenticationOptions({
          userId,
          challengeId: challenge.id,
        })
      );
      // The attack demo: the server asked for user verification; this client asks the browser not to.
      if (/** @type {HTMLInputElement} */ ($('skip-uv')).checked)
        optionsJSON = { ...optionsJSON, userVerification: 'discouraged' };
      const assertion = await startAuthentication({ optionsJSON });
      const deviceId = await deviceFor(userId, assertion);
      const approving = challenge;
      try {
        const verified = await clients
          .withKey()
          .challenges.verify(approving.id, { deviceId, attestation: assertion });
        await renderProof(verified, approving);
      } finally {
        // Whatever the answer, show the status the server now holds.
        await loadChallenge(approving.id).catch(() => {});
      }
    } catch (error) {
      showError('approve-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Stamp lookup: any stamp by id (a voice verification's too), public, no key

  async function lookUpStamp() {
    clearError('stamp-lookup-error');
    const box = $('stamp-lookup-result');
    box.hidden = true;
    try {
      const id = /** @type {HTMLInputElement} */ ($('stamp-lookup-id')).value.trim();
      if (!id) throw pageError('missing_stamp_id', 'Enter a stamp id (stp_…).');
      const stamp = await clients.anonymous.stamps.retrieve(id);
      await renderStamp(box, stamp, {
        keyra: clients.anonymous,
        published: await stampConfiguration(),
      });
    } catch (error) {
      showError('stamp-lookup-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Wiring

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
  $('stamp-lookup-form').addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('stamp-lookup'), lookUpStamp);
  });

  const countdown = window.setInterval(renderExpiry, 1000);
  window.addEventListener('pagehide', () => window.clearInterval(countdown));

  return {
    stampConfiguration,
    restore() {
      const challengeId = sessionStorage.getItem(STORAGE.challengeId);
      if (challengeId && hasKey())
        loadChallenge(challengeId).catch(() => sessionStorage.removeItem(STORAGE.challengeId));
    },
  };
}
