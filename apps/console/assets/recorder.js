// Records the microphone in the browser (getUserMedia + MediaRecorder) for the voice playground,
// with a running time and an input level, and turns a recording or a picked file into the base64
// the Keywave API takes as `audioBase64`.

import { pageError } from './keyra.js';

/** The server's limits (docs/voice-api.md): 1-15 s, at most 5 MiB. */
export const AUDIO_LIMITS = { minSeconds: 1, maxSeconds: 15, maxBytes: 5 * 1024 * 1024 };

/** Containers the server decodes, in order of preference (Chromium and Firefox: WebM/Opus; Safari: MP4/AAC). */
const MIME_TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4'];

/** Why the browser gave no microphone (the DOMException's name): a code and what to do. */
/** @type {Record<string, [string, string]>} */
const MICROPHONE_ERRORS = {
  NotAllowedError: [
    'microphone_denied',
    'The browser (or the system) refused the microphone. Allow it for this site: click the icon at the left of the address bar, set Microphone to Allow, and try again. Or pick an audio file instead.',
  ],
  SecurityError: [
    'microphone_denied',
    'The browser refused the microphone for this page. Open the console over HTTPS or at http://localhost, and allow the microphone for the site.',
  ],
  NotFoundError: [
    'microphone_not_found',
    'No microphone was found. Plug one in (or enable it in the system settings), or pick an audio file instead.',
  ],
  NotReadableError: [
    'microphone_busy',
    'The microphone is in use by another program or could not be started. Close the other program and try again, or pick an audio file instead.',
  ],
  OverconstrainedError: [
    'microphone_not_found',
    'No microphone matches what the page asked for; pick an audio file instead.',
  ],
};

/** @param {unknown} error what getUserMedia threw */
function microphoneError(error) {
  const name = error && typeof error === 'object' && 'name' in error ? String(error.name) : '';
  const [code, message] = MICROPHONE_ERRORS[name] ?? [
    'microphone_failed',
    `The microphone could not be used (${name || 'error'}: ${String(/** @type {{ message?: unknown } | null} */ (error)?.message ?? error)}); try again, or pick an audio file instead.`,
  ];
  return pageError(code, message);
}

/**
 * @typedef {object} Recording
 * @property {Blob} blob the encoded audio (`blob.type` names the container)
 * @property {number} seconds how long the recording ran
 */

/**
 * @typedef {object} RecordingOptions
 * @property {number} [maxSeconds] stops by itself after this long (default: the server's 15 s)
 * @property {(seconds: number) => void} [onTick] told the elapsed time a few times a second
 * @property {(level: number) => void} [onLevel] told the input level (0 to 1) on every frame
 */

/**
 * Asks for the microphone and starts recording. Speech is recorded as is: echo cancellation,
 * noise suppression and automatic gain are turned off, as they change the voice being measured.
 * @param {RecordingOptions} [options]
 * @returns {Promise<{ stop: () => void, done: Promise<Recording> }>} `stop` ends the recording;
 *   `done` resolves with it (and the microphone is released)
 */
export async function startRecording(options = {}) {
  const { maxSeconds = AUDIO_LIMITS.maxSeconds, onTick = () => {}, onLevel = () => {} } = options;
  if (!navigator.mediaDevices?.getUserMedia)
    throw pageError(
      'microphone_unavailable',
      'This page cannot use a microphone: browsers allow it only on HTTPS or http://localhost pages (and MediaRecorder is needed). Pick an audio file instead.',
    );
  if (typeof MediaRecorder === 'undefined')
    throw pageError(
      'microphone_unavailable',
      'This browser cannot record (no MediaRecorder); pick an audio file instead.',
    );
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: 1,
        echoCancellation: false,
        noiseSuppression: false,
        autoGainControl: false,
      },
    });
  } catch (error) {
    throw microphoneError(error);
  }

  const mimeType = MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
  /** @type {Blob[]} */
  const chunks = [];
  recorder.addEventListener('dataavailable', (event) => {
    if (event.data.size > 0) chunks.push(event.data);
  });

  // The level meter: RMS of the latest samples, scaled so that normal speech fills most of it.
  const audio = new AudioContext();
  const analyser = audio.createAnalyser();
  analyser.fftSize = 1024;
  audio.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  let frame = 0;
  const measure = () => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const sample of samples) sum += sample * sample;
    onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
    frame = requestAnimationFrame(measure);
  };
  frame = requestAnimationFrame(measure);

  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const ticker = window.setInterval(() => {
    onTick(elapsed());
    if (elapsed() >= maxSeconds && recorder.state === 'recording') recorder.stop();
  }, 200);

  const done = new Promise((resolve, reject) => {
    recorder.addEventListener('stop', () => {
      const seconds = elapsed();
      window.clearInterval(ticker);
      cancelAnimationFrame(frame);
      onLevel(0);
      for (const track of stream.getTracks()) track.stop();
      audio.close().catch(() => {});
      resolve({ blob: new Blob(chunks, { type: recorder.mimeType || mimeType || '' }), seconds });
    });
    recorder.addEventListener('error', (event) => {
      reject(pageError('recorder_failed', `Recording failed: ${event.error?.message}`));
    });
  });
  recorder.start(250);
  onTick(0);
  return {
    stop() {
      if (recorder.state === 'recording') recorder.stop();
    },
    done,
  };
}

/**
 * The bytes of a recording or a picked file as standard base64 (no `data:` prefix), after the
 * checks the server would make on size.
 * @param {Blob} blob
 * @returns {Promise<string>}
 */
export async function toBase64(blob) {
  if (blob.size === 0)
    throw pageError('empty_audio', 'The recording is empty: nothing was captured.');
  if (blob.size > AUDIO_LIMITS.maxBytes)
    throw pageError(
      'audio_too_large',
      `The audio is ${(blob.size / 1024 / 1024).toFixed(1)} MiB; the API takes at most 5 MiB (and 15 s).`,
    );
  const url = await new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener('load', () => resolve(String(reader.result)));
    reader.addEventListener('error', () => reject(reader.error));
    reader.readAsDataURL(blob);
  });
  return url.slice(url.indexOf(',') + 1);
}

/** `m:ss`. @param {number} seconds */
export function formatSeconds(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
