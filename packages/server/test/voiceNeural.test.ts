import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  decodeAudio,
  loadNeuralModel,
  scoreEmbeddings,
  toMono16k,
  type NeuralSpeakerModel,
} from '@keyra/voice';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tinySpeakerModel } from '../../voice/test/tinyOnnx.js';
import { ConfigError, loadConfig } from '../src/config.js';
import {
  createVoiceEngine,
  modelEmbedder,
  type VoiceEngine,
} from '../src/voice/createVoiceEngine.js';
import {
  concatWavs,
  createVoiceTestApp,
  phraseFile,
  type VoiceTestApp,
} from './helpers/voiceTestApp.js';

// The neural speaker back end behind the voice routes, with a tiny ONNX model of WeSpeaker's
// signature generated here (no accuracy is claimed for it), on the real phrase recordings.

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-voice-neural-'));
const modelPath = path.join(dir, 'tiny.onnx');
const modelBytes = tinySpeakerModel();
writeFileSync(modelPath, modelBytes);
const SHA256 = createHash('sha256').update(modelBytes).digest('hex');
// Between the tiny model's same-voice (~0.9999) and other-voice (~0.98) cosines on these files.
const THRESHOLD = 0.995;
const NEURAL_ENV = {
  KEYRA_VOICE_BACKEND: 'neural',
  KEYRA_NEURAL_MODEL_PATH: modelPath,
  KEYRA_NEURAL_MODEL_SHA256: SHA256,
  KEYRA_NEURAL_SPEAKER_THRESHOLD: String(THRESHOLD),
};

let model: NeuralSpeakerModel;
let neural: VoiceEngine;
let classical: VoiceEngine;
/** The back end the test app runs; switching it stands for a restart with another one. */
let active: VoiceEngine;
const prompts: string[] = [];
let t: VoiceTestApp;
let key: string;
let NEURAL_VERSION: string;

beforeAll(async () => {
  model = await loadNeuralModel(modelPath, { sha256: SHA256 });
  NEURAL_VERSION = model.paramsVersion;
  neural = createVoiceEngine({ threads: 1, embedder: modelEmbedder(model, THRESHOLD) });
  classical = createVoiceEngine({ threads: 1 });
  active = neural;
  const engine: VoiceEngine = {
    model: () => active.model(),
    decode: (bytes) => active.decode(bytes),
    analyze: (decoded) => active.analyze(decoded),
    recognizer: () => active.recognizer(),
    recognize: (pcm, length) => active.recognize(pcm, length),
    generatePrompt: () => prompts.shift() ?? 'blue river seven forty',
    close: async () => undefined,
  };
  t = await createVoiceTestApp(engine);
  key = await t.key();
});

afterAll(async () => {
  await t?.close();
  await neural?.close();
  await classical?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Body = Record<string, unknown>;
const post = (app: VoiceTestApp, url: string, body: Body, apiKey: string) =>
  app.app.inject({ method: 'POST', url, headers: { 'x-api-key': apiKey }, payload: body });
const b64 = (bytes: Buffer): string => bytes.toString('base64');
const ENROLL = concatWavs([1, 2, 3, 4, 5].map((id) => phraseFile('flite_slt', id, 'wav').bytes));
let walletCounter = 0;

async function enroll(paramsVersion: string, expected = 200): Promise<string> {
  const wallet = `neural-wallet-${++walletCounter}`;
  const res = await post(
    t,
    '/api/v1/enroll',
    { wallet, audioBase64: b64(ENROLL), projection_id: 'p0', params_version: paramsVersion },
    key,
  );
  expect(res.statusCode, res.body).toBe(expected);
  return wallet;
}

async function verify(wallet: string, voice: 'flite_slt' | 'espeak-ng_en-us', id: number) {
  const probe = phraseFile(voice, id, 'wav');
  prompts.push(probe.text);
  const phrase = await post(t, '/api/v1/phrase', { wallet }, key);
  expect(phrase.statusCode, phrase.body).toBe(200);
  const res = await post(
    t,
    '/api/v1/verify',
    {
      wallet,
      audioBase64: b64(probe.bytes),
      projection_id: 'p0',
      params_version: NEURAL_VERSION,
      phrase_id: phrase.json().phrase_id,
    },
    key,
  );
  return { res, probe };
}

const embed = async (bytes: Buffer) => model.embed(toMono16k(await decodeAudio(bytes)));

describe('voice routes on the neural back end', () => {
  it('reports the neural paramsVersion and the configured threshold', async () => {
    expect(NEURAL_VERSION).toMatch(/^neural-wespeaker-n1-[0-9a-f]{12}$/);
    expect(NEURAL_VERSION.endsWith(SHA256.slice(0, 12))).toBe(true);
    const m = await neural.model();
    expect(m).toMatchObject({ paramsVersion: NEURAL_VERSION, version: NEURAL_VERSION });
    expect(m.dimension).toBe(256);
    expect(m.thresholds.rawRecommended).toBe(THRESHOLD);
    expect((await classical.model()).paramsVersion).toBe('v1');
  });

  it('enrolls and verifies with the neural embedding: plain cosine against the threshold', async () => {
    const wallet = await enroll(NEURAL_VERSION);
    const { res, probe } = await verify(wallet, 'flite_slt', 6);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.gates.phrase).toMatchObject({ passed: true, heard: probe.text });
    expect(body.gates.quality.passed).toBe(true);
    expect(body.gates.replay.passed).toBe(true);
    expect(body.gates.speaker.threshold).toBe(THRESHOLD);
    // The salted projection keeps the cosine of the neural embeddings (no cohort normalisation;
    // the answer rounds the score to 3 decimals).
    const cosine = scoreEmbeddings(await embed(ENROLL), await embed(probe.bytes));
    expect(body.gates.speaker.score).toBeCloseTo(cosine, 2);
    expect(body.gates.speaker.passed).toBe(cosine >= THRESHOLD);
    expect(body.gates.speaker.passed).toBe(true);
    expect(body.verified).toBe(true);
    const logs = await t.app.inject({
      method: 'GET',
      url: `/api/v1/verify_logs?wallet=${wallet}`,
      headers: { 'x-api-key': key },
    });
    expect(logs.json().data[0]).toMatchObject({ id: body.id });
  });

  it('scores another voice by the same neural cosine', async () => {
    const wallet = await enroll(NEURAL_VERSION);
    const { res, probe } = await verify(wallet, 'espeak-ng_en-us', 6);
    expect(res.statusCode, res.body).toBe(200);
    const cosine = scoreEmbeddings(await embed(ENROLL), await embed(probe.bytes));
    expect(res.json().gates.speaker).toMatchObject({
      passed: false,
      threshold: THRESHOLD,
    });
    expect(cosine).toBeLessThan(THRESHOLD);
    expect(res.json().verified).toBe(false);
    expect(res.json().gates.speaker.score).toBeCloseTo(cosine, 2);
  });

  it('accepts only the active back end params_version', async () => {
    const res = await post(
      t,
      '/api/v1/enroll',
      { wallet: 'neural-v1', audioBase64: b64(ENROLL), projection_id: 'p0', params_version: 'v1' },
      key,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('PARAMS_VERSION_UNSUPPORTED');
    expect(res.json().message).toContain(NEURAL_VERSION);
    const enrolled = await post(
      t,
      '/api/v1/enroll',
      {
        wallet: 'neural-ok',
        audioBase64: b64(ENROLL),
        projection_id: 'p0',
        params_version: NEURAL_VERSION,
      },
      key,
    );
    expect(enrolled.statusCode, enrolled.body).toBe(200);
    expect(enrolled.json().params_version).toBe(NEURAL_VERSION);
  });

  it('refuses a template enrolled under the other back end (rotating means re-enrolling)', async () => {
    // Enrolled under classical, then the server runs neural.
    active = classical;
    let wallet: string;
    try {
      wallet = await enroll('v1');
    } finally {
      active = neural;
    }
    const { res } = await verify(wallet, 'flite_slt', 7);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('PARAMS_VERSION_UNSUPPORTED');
    expect(res.json().message).toContain('enrolled under params_version v1');

    // Enrolled under neural, then the server runs classical again.
    const other = await enroll(NEURAL_VERSION);
    active = classical;
    try {
      const probe = phraseFile('flite_slt', 8, 'wav');
      prompts.push(probe.text);
      const phrase = await post(t, '/api/v1/phrase', { wallet: other }, key);
      const base = { wallet: other, audioBase64: b64(probe.bytes), projection_id: 'p0' };
      const stale = await post(
        t,
        '/api/v1/verify',
        { ...base, params_version: NEURAL_VERSION, phrase_id: phrase.json().phrase_id },
        key,
      );
      expect(stale.statusCode).toBe(400);
      expect(stale.json().code).toBe('PARAMS_VERSION_UNSUPPORTED');
      const res2 = await post(
        t,
        '/api/v1/verify',
        { ...base, params_version: 'v1', phrase_id: phrase.json().phrase_id },
        key,
      );
      expect(res2.statusCode).toBe(400);
      expect(res2.json().code).toBe('PARAMS_VERSION_UNSUPPORTED');
      expect(res2.json().message).toContain(`enrolled under params_version ${NEURAL_VERSION}`);
    } finally {
      active = neural;
    }
  });
});

describe('booting with KEYRA_VOICE_BACKEND=neural', () => {
  it('loads the pinned model at boot and serves its params_version', async () => {
    const app = await createVoiceTestApp(undefined, NEURAL_ENV);
    try {
      expect(app.config.voice).toEqual({
        backend: 'neural',
        modelPath,
        modelSha256: SHA256,
        speakerThreshold: THRESHOLD,
      });
      const res = await post(
        app,
        '/api/v1/enroll',
        { wallet: 'w', audioBase64: b64(ENROLL), projection_id: 'p0', params_version: 'v1' },
        await app.key(),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('PARAMS_VERSION_UNSUPPORTED');
      expect(res.json().message).toContain(NEURAL_VERSION);
    } finally {
      await app.close();
    }
  });

  it('fails the boot with the NeuralModelError message for a missing or mismatched file', async () => {
    await expect(
      createVoiceTestApp(undefined, {
        ...NEURAL_ENV,
        KEYRA_NEURAL_MODEL_PATH: `${modelPath}.nope`,
      }),
    ).rejects.toMatchObject({ name: 'NeuralModelError', code: 'NEURAL_MODEL_MISSING' });
    await expect(
      createVoiceTestApp(undefined, { ...NEURAL_ENV, KEYRA_NEURAL_MODEL_SHA256: 'a'.repeat(64) }),
    ).rejects.toMatchObject({
      name: 'NeuralModelError',
      code: 'NEURAL_MODEL_HASH_MISMATCH',
      message: expect.stringContaining(SHA256),
    });
  });
});

describe('loadConfig: KEYRA_VOICE_BACKEND', () => {
  const load = (env: Record<string, string>) => loadConfig({}, env, dir);

  it('defaults to the classical back end and ignores the neural variables then', () => {
    expect(load({}).voice).toEqual({ backend: 'classical' });
    expect(load({ KEYRA_VOICE_BACKEND: 'classical', KEYRA_NEURAL_MODEL_PATH: 'x' }).voice).toEqual({
      backend: 'classical',
    });
  });

  it('reads the neural variables (path resolved, hash lower-cased)', () => {
    expect(
      load({
        ...NEURAL_ENV,
        KEYRA_NEURAL_MODEL_PATH: 'models/m.onnx',
        KEYRA_NEURAL_MODEL_SHA256: SHA256.toUpperCase(),
      }).voice,
    ).toEqual({
      backend: 'neural',
      modelPath: path.join(dir, 'models/m.onnx'),
      modelSha256: SHA256,
      speakerThreshold: THRESHOLD,
    });
  });

  it.each([
    ['KEYRA_VOICE_BACKEND', { KEYRA_VOICE_BACKEND: 'wespeaker' }],
    ['KEYRA_NEURAL_MODEL_PATH', { KEYRA_NEURAL_MODEL_PATH: '' }],
    ['KEYRA_NEURAL_MODEL_SHA256', { KEYRA_NEURAL_MODEL_SHA256: '' }],
    ['KEYRA_NEURAL_MODEL_SHA256', { KEYRA_NEURAL_MODEL_SHA256: 'abc123' }],
    ['KEYRA_NEURAL_MODEL_SHA256', { KEYRA_NEURAL_MODEL_SHA256: 'g'.repeat(64) }],
    ['KEYRA_NEURAL_SPEAKER_THRESHOLD', { KEYRA_NEURAL_SPEAKER_THRESHOLD: '' }],
    ['KEYRA_NEURAL_SPEAKER_THRESHOLD', { KEYRA_NEURAL_SPEAKER_THRESHOLD: 'high' }],
    ['KEYRA_NEURAL_SPEAKER_THRESHOLD', { KEYRA_NEURAL_SPEAKER_THRESHOLD: '1.5' }],
    ['KEYRA_NEURAL_SPEAKER_THRESHOLD', { KEYRA_NEURAL_SPEAKER_THRESHOLD: 'NaN' }],
  ])('names %s when it is missing or invalid (%j)', (name, override) => {
    const env: Record<string, string> = { ...NEURAL_ENV, ...override };
    for (const [k, v] of Object.entries(env)) if (v === '') delete env[k];
    let error: unknown;
    try {
      load(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).toContain('docs/voice-model.md');
  });
});
