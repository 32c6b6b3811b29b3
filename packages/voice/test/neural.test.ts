import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeFbank,
  decodeAudio,
  loadNeuralModel,
  NEURAL_FRONT_END_SPEC,
  NeuralModelError,
  scoreEmbeddings,
  toMono16k,
  type NeuralSpeakerModel,
} from '../src/index.js';
import { heavySpeakerModel, tinySpeakerModel } from './tinyOnnx.js';
import { VOICE_DATA } from './voiceData.js';

const dir = mkdtempSync(join(tmpdir(), 'keyra-neural-'));
const modelPath = join(dir, 'tiny.onnx');
writeFileSync(modelPath, tinySpeakerModel());
const sha256 = createHash('sha256').update(readFileSync(modelPath)).digest('hex');
const loaded: NeuralSpeakerModel[] = [];
const load = async (...args: Parameters<typeof loadNeuralModel>): Promise<NeuralSpeakerModel> => {
  const model = await loadNeuralModel(...args);
  loaded.push(model);
  return model;
};

afterAll(async () => {
  await Promise.all([...new Set(loaded)].map((m) => m.close()));
  rmSync(dir, { recursive: true, force: true });
});

/** 3 s crops from 0.5 s of two utterances of each of two test-other speakers. */
const clips = new Map<string, Float32Array>();
beforeAll(async () => {
  const files = [
    ['1688', '1688-142285-0003.flac'],
    ['1688', '1688-142285-0004.flac'],
    ['2414', '2414-128291-0001.flac'],
    ['2414', '2414-128291-0002.flac'],
  ];
  for (const [speaker, file] of files) {
    const bytes = readFileSync(resolve(VOICE_DATA, 'librispeech_test-other', speaker!, file!));
    const pcm = toMono16k(await decodeAudio(bytes));
    clips.set(`${speaker}/${file}`, pcm.slice(8000, 8000 + 48000));
  }
});

const tone = (seconds: number, hz: number): Float32Array =>
  Float32Array.from(
    { length: seconds * 16000 },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000),
  );

describe('computeFbank (Kaldi fbank as WeSpeaker computes it)', () => {
  it('frames 25 ms / 10 ms with snip-edges and 80 bins', () => {
    expect(computeFbank(new Float32Array(399)).frames).toBe(0);
    expect(computeFbank(new Float32Array(400)).frames).toBe(1);
    const f = computeFbank(tone(1, 440));
    expect(f.frames).toBe(1 + Math.floor((16000 - 400) / 160));
    expect(f.dim).toBe(NEURAL_FRONT_END_SPEC.melBins);
    expect(f.data.length).toBe(f.frames * 80);
  });

  it('subtracts the utterance mean per bin (CMN) and puts a tone in the right band', () => {
    const pcm = tone(1, 1000);
    const f = computeFbank(pcm);
    for (let m = 0; m < 80; m++) {
      let sum = 0;
      for (let t = 0; t < f.frames; t++) sum += f.data[t * 80 + m]!;
      expect(Math.abs(sum / f.frames)).toBeLessThan(1e-4);
    }
    const raw = computeFbank(pcm, { cmn: false });
    let best = 0;
    for (let m = 1; m < 80; m++) if (raw.data[10 * 80 + m]! > raw.data[10 * 80 + best]!) best = m;
    // 1 kHz on 80 Kaldi mel bins over 20-8000 Hz: centre of bin m is mel(20) + (m+1) * step.
    const mel = (hz: number): number => 1127 * Math.log(1 + hz / 700);
    const step = (mel(8000) - mel(20)) / 81;
    expect(Math.abs(mel(20) + (best + 1) * step - mel(1000))).toBeLessThan(step);
  });

  it('scales input to int16 range and floors the log at float32 epsilon', () => {
    const silent = computeFbank(new Float32Array(800), { cmn: false });
    expect(silent.data[0]).toBeCloseTo(Math.log(1.1920928955078125e-7), 5);
    // Doubling the amplitude adds ln 4 to every log energy.
    const a = computeFbank(tone(1, 300), { cmn: false });
    const b = computeFbank(
      tone(1, 300).map((x) => 2 * x),
      { cmn: false },
    );
    expect(b.data[20 * 80 + 10]! - a.data[20 * 80 + 10]!).toBeCloseTo(Math.log(4), 3);
  });
});

describe('loadNeuralModel', () => {
  it('names the download URL, the manual step and KEYRA_NEURAL_MODEL_PATH when the file is missing', async () => {
    const error = await loadNeuralModel(join(dir, 'absent.onnx'), { sha256 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NeuralModelError);
    expect((error as NeuralModelError).code).toBe('NEURAL_MODEL_MISSING');
    const message = (error as Error).message;
    expect(message).toContain(
      'https://github.com/k2-fsa/sherpa-onnx/releases/tag/speaker-recongition-models',
    );
    expect(message).toContain('wespeaker_en_voxceleb_resnet34_LM.onnx');
    expect(message).toContain('KEYRA_NEURAL_MODEL_PATH');
    expect(message).toContain('firewalled');
    const unset = await loadNeuralModel(undefined, { env: {} }).catch((e: unknown) => e);
    expect((unset as NeuralModelError).code).toBe('NEURAL_MODEL_MISSING');
  });

  it('refuses a file whose SHA-256 is not pinned, and says what the hash is', async () => {
    const error = (await loadNeuralModel(modelPath, { env: {} }).catch(
      (e: unknown) => e,
    )) as NeuralModelError;
    expect(error.code).toBe('NEURAL_MODEL_NOT_PINNED');
    expect(error.message).toContain(sha256);
  });

  it('refuses a tampered file (hash mismatch) and a wrong pin', async () => {
    const tampered = join(dir, 'tampered.onnx');
    const bytes = tinySpeakerModel();
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 1;
    writeFileSync(tampered, bytes);
    const error = (await loadNeuralModel(tampered, { sha256 }).catch(
      (e: unknown) => e,
    )) as NeuralModelError;
    expect(error.code).toBe('NEURAL_MODEL_HASH_MISMATCH');
    const wrong = (await loadNeuralModel(modelPath, { sha256: 'ab'.repeat(32) }).catch(
      (e: unknown) => e,
    )) as NeuralModelError;
    expect(wrong.code).toBe('NEURAL_MODEL_HASH_MISMATCH');
  });

  it('reports a file onnxruntime cannot use as NEURAL_MODEL_INVALID', async () => {
    const junk = join(dir, 'junk.onnx');
    writeFileSync(junk, 'not an onnx model');
    const hash = createHash('sha256').update('not an onnx model').digest('hex');
    const error = (await loadNeuralModel(junk, { sha256: hash }).catch(
      (e: unknown) => e,
    )) as NeuralModelError;
    expect(error.code).toBe('NEURAL_MODEL_INVALID');
  });

  it('loads a pinned model once (argument or environment) and exposes the SpeakerModel fields', async () => {
    const [a, b] = await Promise.all([load(modelPath, { sha256 }), load(modelPath, { sha256 })]);
    expect(a).toBe(b);
    const fromEnv = await load(undefined, {
      env: { KEYRA_NEURAL_MODEL_PATH: modelPath, KEYRA_NEURAL_MODEL_SHA256: sha256.toUpperCase() },
    });
    expect(fromEnv).toBe(a);
    expect(a.kind).toBe('neural-wespeaker');
    expect(a.paramsVersion).toBe(`neural-wespeaker-n1-${sha256.slice(0, 12)}`);
    expect(a.paramsVersion).not.toMatch(/v1/);
    expect(a.dimension).toBe(256);
    expect(a.thresholds).toBeNull();
    expect(a.sha256).toBe(sha256);
  });
});

describe('NeuralSpeakerModel.embed', () => {
  it('returns deterministic unit-length 256-dim embeddings', async () => {
    const model = await load(modelPath, { sha256 });
    const pcm = clips.values().next().value!;
    const e1 = await model.embed(pcm);
    const e2 = await model.embed(pcm);
    expect(e1).toBeInstanceOf(Float32Array);
    expect(e1.length).toBe(256);
    let norm = 0;
    for (const v of e1) norm += v * v;
    expect(Math.sqrt(norm)).toBeCloseTo(1, 5);
    expect(Array.from(e2)).toEqual(Array.from(e1));
    expect(model.cohortStats(e1)).toBeNull();
    await expect(model.embed(new Float32Array(399))).rejects.toBeInstanceOf(RangeError);
  });

  it('scores same-speaker and different-speaker pairs (runs only: no accuracy is claimed)', async () => {
    const model = await load(modelPath, { sha256 });
    const keys = [...clips.keys()];
    const embeddings = await Promise.all(keys.map((k) => model.embed(clips.get(k)!)));
    const same: number[] = [];
    const different: number[] = [];
    for (let i = 0; i < keys.length; i++)
      for (let j = i + 1; j < keys.length; j++) {
        const score = scoreEmbeddings(embeddings[i]!, embeddings[j]!);
        expect(score).toBeGreaterThanOrEqual(-1 - 1e-6);
        expect(score).toBeLessThanOrEqual(1 + 1e-6);
        (keys[i]!.split('/')[0] === keys[j]!.split('/')[0] ? same : different).push(score);
      }
    expect(same).toHaveLength(2);
    expect(different).toHaveLength(4);
    expect(scoreEmbeddings(embeddings[0]!, embeddings[0]!)).toBeCloseTo(1, 5);
    console.log('tiny test model scores (not a speaker model):', { same, different });
  });

  it('handles many concurrent embeds, each matching its sequential result', async () => {
    const model = await load(modelPath, { sha256 });
    const inputs = [...clips.values(), tone(2, 220), tone(3, 880)];
    const sequential: Float32Array[] = [];
    for (const pcm of inputs) sequential.push(await model.embed(pcm));
    const concurrent = await Promise.all(
      [...inputs, ...inputs, ...inputs].map((pcm) => model.embed(pcm)),
    );
    concurrent.forEach((e, i) =>
      expect(Array.from(e)).toEqual(Array.from(sequential[i % inputs.length]!)),
    );
  });

  it('keeps the event loop responsive while a slow model runs', async () => {
    const heavyPath = join(dir, 'heavy.onnx');
    writeFileSync(heavyPath, heavySpeakerModel());
    const hash = createHash('sha256').update(readFileSync(heavyPath)).digest('hex');
    const model = await load(heavyPath, { sha256: hash, intraOpNumThreads: 1 });
    const pcm = tone(15, 330);
    await model.embed(pcm);
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await Promise.all([model.embed(pcm), model.embed(pcm)]);
    const finished = performance.now();
    clearInterval(timer);
    // A blocked loop fires no tick at all: count the stretch since the last one too.
    maxGap = Math.max(maxGap, finished - last);
    const elapsed = finished - started;
    console.log(
      `heavy model, 2 x 15 s embeds: ${elapsed.toFixed(0)} ms; longest event-loop gap ${maxGap.toFixed(1)} ms`,
    );
    expect(elapsed).toBeGreaterThan(100);
    // A loop blocked by inference would show one gap as long as the whole run.
    expect(maxGap).toBeLessThan(elapsed / 2);
  }, 60_000);
});
