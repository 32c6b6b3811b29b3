// The playground's voice flow (the Keywave API): enroll a voice for a wallet, get a one-time
// phrase, record it and verify it; shows each gate, the verify log id, the proof (checked against
// the JWKS) and the stamp. Recordings are made with recorder.js and sent as `audioBase64`.
// Everything the page shows is written with textContent; nothing from the API becomes HTML.

import { checkProof, pageError } from './keyra.js';
import { decodeJws } from './jws.js';
import { formatSeconds, startRecording, toBase64 } from './recorder.js';
import { renderStamp } from './stamp.js';
import { $, addCheck, busy, clearError, h, showError, showJson } from './ui.js';

/** @typedef {import('../sdk/index.js').VoiceVerifyResult} VoiceVerifyResult */
/**
 * The phrase shown in V2: the API's answer plus the wallet it is for and whether it was used.
 * @typedef {import('../sdk/index.js').IssuedPhrase & { wallet: string, used: boolean }} Phrase
 */

const STORAGE = { wallet: 'keyra.playground.wallet' };

/** The template projection and back end the playground uses (docs/voice-api.md). */
const AUDIO = { projection_id: 'p0', params_version: 'v1' };

/** Same rule as the API's `wallet` (VOICE_LIMITS.walletPattern), checked before recording. */
const WALLET = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** The `action` of voice proofs. */
const VOICE_ACTION = 'keywave.verify';

/** @param {string} text */
async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** @param {unknown} value @param {string} [unit] */
function num(value, unit = '') {
  return typeof value === 'number' && Number.isFinite(value) ? `${value}${unit}` : '—';
}

/**
 * Wires the voice part of the playground.
 * @param {{
 *   clients: import('./keyra.js').Clients,
 *   stampConfiguration: () => Promise<import('../sdk/index.js').StampConfig | null>,
 * }} context
 */
export function startVoice({ clients, stampConfiguration }) {
  const walletField = /** @type {HTMLInputElement} */ ($('wallet'));

  /** @type {Phrase | null} The phrase shown in V2. */
  let phrase = null;
  /** @type {{ stop: () => void } | null} The recording in progress, if any: `stop()` ends it. */
  let recording = null;

  function currentWallet() {
    const wallet = walletField.value.trim();
    if (!wallet) throw pageError('missing_wallet', 'Enter a wallet id (Voice, above V1).');
    if (!WALLET.test(wallet))
      throw pageError(
        'invalid_wallet',
        'A wallet id is 1 to 128 letters, digits and _ . : @ -, starting with a letter or digit.',
      );
    return wallet;
  }

  // -------------------------------------------------------------------------------------------
  // Audio: the microphone or a picked file

  /**
   * Records until the user presses Stop (or 15 s), showing the time and the level.
   * @param {'enroll' | 'verify'} step
   * @returns {Promise<Blob>}
   */
  async function recordFor(step) {
    if (recording) throw pageError('already_recording', 'A recording is running; stop it first.');
    const box = $(`${step}-recorder`);
    const timer = $(`${step}-timer`);
    const level = /** @type {HTMLMeterElement} */ ($(`${step}-level`));
    const session = await startRecording({
      onTick: (seconds) => (timer.textContent = formatSeconds(seconds)),
      onLevel: (value) => (level.value = value),
    });
    recording = session;
    box.hidden = false;
    $(`${step}-stop`).focus();
    try {
      const { blob, seconds } = await session.done;
      if (seconds < 1) throw pageError('recording_too_short', 'Record at least one second.');
      return blob;
    } finally {
      recording = null;
      box.hidden = true;
    }
  }

  /** @param {string} inputId */
  function pickedFile(inputId) {
    const file = /** @type {HTMLInputElement} */ ($(inputId)).files?.[0];
    if (!file)
      throw pageError('no_file', 'Choose an audio file first (WAV, MP3, M4A or WebM, 1 to 15 s).');
    return file;
  }

  // -------------------------------------------------------------------------------------------
  // V1: enroll

  /** @param {'microphone' | 'file'} source */
  async function enroll(source) {
    clearError('enroll-error');
    $('enroll-result').hidden = true;
    try {
      const wallet = currentWallet();
      const audio = source === 'file' ? pickedFile('enroll-file') : await recordFor('enroll');
      const audioBase64 = await toBase64(audio);
      const enrolled = await clients.withKey().voice.enroll({ wallet, audioBase64, ...AUDIO });
      const quality = enrolled.quality;
      $('enroll-summary').textContent =
        `Voice enrolled for ${enrolled.wallet}${enrolled.replaced ? ' (the earlier template was replaced)' : ''}` +
        (quality
          ? `: ${num(quality.speech_seconds, ' s')} of speech at ${num(quality.level_dbfs, ' dBFS')}.`
          : '.');
      showJson($('enroll-json'), enrolled);
      $('enroll-result').hidden = false;
    } catch (error) {
      showError('enroll-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // V2: phrase

  function renderPhraseExpiry() {
    if (!phrase) return;
    const expiresAt = new Date(phrase.expires_at);
    const left = Math.round((expiresAt.getTime() - Date.now()) / 1000);
    const when = expiresAt.toLocaleTimeString();
    const expired = left <= 0;
    $('phrase-expires').textContent = phrase.used
      ? `${when} (used: get a new phrase to verify again)`
      : expired
        ? `${when} (expired: get a new phrase)`
        : `${when} (in ${formatSeconds(left)})`;
    $('voice-prompt').classList.toggle('prompt-stale', phrase.used || expired);
  }

  async function getPhrase() {
    clearError('phrase-error');
    try {
      const wallet = currentWallet();
      const issued = await clients.withKey().voice.phrase({ wallet });
      phrase = { ...issued, wallet, used: false };
      $('voice-prompt').textContent = issued.prompt;
      $('phrase-id').textContent = issued.phrase_id;
      renderPhraseExpiry();
      $('phrase-result').hidden = false;
    } catch (error) {
      showError('phrase-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // V3: record and verify

  /**
   * One row of the gates table.
   * @param {string} name @param {{ passed?: boolean } | undefined} gate
   * @param {string} score @param {string} threshold @param {string} detail
   */
  function gateRow(name, gate, score, threshold, detail) {
    const passed = gate?.passed === true;
    const result = h('td', { className: passed ? 'check-pass' : 'check-fail' }, [
      h('span', { className: 'check-mark', textContent: passed ? '✓' : '✗', 'aria-hidden': true }),
      passed ? 'passed' : 'failed',
    ]);
    return h('tr', { 'data-gate': name }, [
      h('th', { scope: 'row', textContent: name }),
      result,
      h('td', { className: 'num', textContent: score }),
      h('td', { className: 'num', textContent: threshold }),
      h('td', { textContent: detail }),
    ]);
  }

  /** @param {Record<string, any>} gates */
  function renderGates(gates) {
    const { phrase: words, speaker, replay, quality } = gates;
    const issues = quality?.issues?.length ? `issues: ${quality.issues.join(', ')}; ` : '';
    $('voice-gates').replaceChildren(
      gateRow(
        'phrase',
        words,
        `${num(words?.matched_words)} of ${num(words?.total_words)} words`,
        `≥ ${num(words?.required_words)} words`,
        words?.heard !== undefined ? `heard “${words.heard}”` : '',
      ),
      gateRow(
        'speaker',
        speaker,
        num(speaker?.score),
        `≥ ${num(speaker?.threshold)}`,
        'similarity to the enrolled voice',
      ),
      gateRow(
        'replay',
        replay,
        num(replay?.similarity),
        replay?.threshold === undefined ? '' : `< ${num(replay.threshold)}`,
        replay?.reason ? replay.reason.replaceAll('_', ' ') : 'a fresh recording',
      ),
      gateRow(
        'quality',
        quality,
        `${num(quality?.speech_seconds, ' s')} of speech`,
        `≥ ${num(quality?.min_speech_seconds, ' s')}`,
        `${issues}level ${num(quality?.level_dbfs, ' dBFS')} (min ${num(quality?.min_level_dbfs)}), clipping ${num(quality?.clipping_ratio)}`,
      ),
    );
  }

  /**
   * Decodes and checks the proof (signature, claims) and shows the stamp; true if all passed.
   * @param {VoiceVerifyResult} answer @param {Phrase} spoken
   */
  async function renderProof(answer, spoken) {
    const proofBox = $('voice-proof');
    const checks = $('voice-proof-checks');
    const stampBox = $('voice-stamp');
    checks.replaceChildren();
    stampBox.replaceChildren();
    proofBox.hidden = true;
    stampBox.hidden = true;
    if (!answer.proof) {
      $('voice-proof-status').textContent = answer.verified
        ? 'missing from the answer'
        : 'none: a proof is issued only when every gate passes';
      return !answer.verified;
    }
    $('voice-proof-status').textContent = 'issued, checked below';
    const decoded = decodeJws(answer.proof);
    showJson($('voice-proof-header'), decoded.header);
    showJson($('voice-proof-claims'), decoded.claims);
    $('voice-proof-jws').textContent = answer.proof;
    proofBox.hidden = false;
    const signature = await checkProof(clients.anonymous, answer.proof);
    const { claims } = decoded;
    const digest = await sha256Hex(
      JSON.stringify({ phrase_id: spoken.phrase_id, prompt: spoken.prompt, wallet: spoken.wallet }),
    );
    const results = [
      addCheck(checks, signature.valid, signature.reason),
      addCheck(checks, claims.method === 'voice', 'method is voice'),
      addCheck(checks, claims.action === VOICE_ACTION, `action is ${VOICE_ACTION}`),
      addCheck(checks, claims.sub === spoken.wallet, `sub is the wallet ${spoken.wallet}`),
      addCheck(
        checks,
        claims.challengeId === spoken.phrase_id,
        `challengeId is the phrase ${spoken.phrase_id}`,
      ),
      addCheck(
        checks,
        claims.challengeDigest === digest,
        'challengeDigest is the SHA-256 of the phrase id, prompt and wallet shown above',
      ),
    ];
    if (answer.stamp)
      results.push(
        await renderStamp(stampBox, answer.stamp, {
          proof: answer.proof,
          keyra: clients.anonymous,
          published: await stampConfiguration(),
        }),
      );
    else
      results.push(
        addCheck(checks, false, 'A verified answer carries a stamp; this one has none.'),
      );
    return results.every(Boolean);
  }

  /** @param {VoiceVerifyResult} answer @param {Phrase} spoken */
  async function renderVerification(answer, spoken) {
    showJson($('verify-json'), answer);
    renderGates(answer.gates ?? {});
    $('voice-log-id').textContent = answer.id;
    $('voice-latency').textContent = num(answer.latency_ms, ' ms');
    const allPassed = await renderProof(answer, spoken);
    const verdict = $('voice-verdict');
    if (answer.verified) {
      verdict.className = allPassed ? 'verdict verdict-ok' : 'verdict verdict-bad';
      verdict.textContent = allPassed
        ? `Verified: every gate passed. The proof and its stamp are valid for phrase ${spoken.phrase_id}.`
        : 'Verified, but a check of the proof or the stamp failed.';
    } else {
      const failed = Object.entries(answer.gates ?? {})
        .filter(([, gate]) => !gate?.passed)
        .map(([name]) => name);
      verdict.className = 'verdict verdict-bad';
      verdict.textContent = `Not verified: the ${failed.join(' and ')} gate${failed.length > 1 ? 's' : ''} failed. The phrase can be tried again until it expires (5 attempts at most).`;
    }
    $('verify-result').hidden = false;
  }

  /** @param {'microphone' | 'file'} source */
  async function verify(source) {
    clearError('verify-error');
    $('verify-result').hidden = true;
    try {
      if (!phrase) throw pageError('no_phrase', 'Get a phrase first (V2), then say it.');
      const wallet = currentWallet();
      if (wallet !== phrase.wallet)
        throw pageError(
          'wallet_changed',
          `The phrase was issued for ${phrase.wallet}; get a new phrase for ${wallet} (V2).`,
        );
      const spoken = phrase;
      const audio = source === 'file' ? pickedFile('verify-file') : await recordFor('verify');
      const audioBase64 = await toBase64(audio);
      const answer = await clients.withKey().voice.verify({
        wallet,
        audioBase64,
        ...AUDIO,
        phrase_id: spoken.phrase_id,
      });
      if (answer.verified) spoken.used = true;
      renderPhraseExpiry();
      await renderVerification(answer, spoken);
    } catch (error) {
      showError('verify-error', error);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Wiring

  walletField.value = sessionStorage.getItem(STORAGE.wallet) || walletField.value;
  walletField.addEventListener('change', () =>
    sessionStorage.setItem(STORAGE.wallet, walletField.value.trim()),
  );
  $('enroll-record').addEventListener('click', (event) =>
    busy(event.currentTarget, () => enroll('microphone')),
  );
  $('enroll-upload').addEventListener('click', (event) =>
    busy(event.currentTarget, () => enroll('file')),
  );
  $('get-phrase').addEventListener('click', (event) => busy(event.currentTarget, getPhrase));
  $('verify-record').addEventListener('click', (event) =>
    busy(event.currentTarget, () => verify('microphone')),
  );
  $('verify-upload').addEventListener('click', (event) =>
    busy(event.currentTarget, () => verify('file')),
  );
  for (const step of ['enroll', 'verify'])
    $(`${step}-stop`).addEventListener('click', () => recording?.stop());

  const countdown = window.setInterval(renderPhraseExpiry, 1000);
  window.addEventListener('pagehide', () => {
    window.clearInterval(countdown);
    recording?.stop();
  });
}
