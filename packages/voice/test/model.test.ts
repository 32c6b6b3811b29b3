import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeAudio,
  extractEmbedding,
  loadModel,
  parseModel,
  scoreEmbeddings,
  simulateChannel,
  toMono16k,
  trainModel,
} from '../src/index.js';
import { VOICE_DATA } from './voiceData.js';

const testOther = (speaker: string, file: string): string =>
  resolve(VOICE_DATA, 'librispeech_test-other', speaker, file);

describe('the committed model', () => {
  it('scores same-speaker LibriSpeech utterances above different-speaker ones', async () => {
    const model = await loadModel();
    const files = [
      ['1688', '1688-142285-0003.flac'],
      ['1688', '1688-142285-0004.flac'],
      ['2414', '2414-128291-0001.flac'],
      ['2414', '2414-128291-0002.flac'],
      ['3005', '3005-163389-0001.flac'],
      ['3005', '3005-163389-0002.flac'],
    ] as const;
    const embeddings = await Promise.all(
      files.map(async ([speaker, file]) => {
        const pcm = toMono16k(await decodeAudio(await readFile(testOther(speaker, file))));
        const e = await extractEmbedding(pcm, model);
        expect(e.length).toBe(model.dimension);
        return { speaker, e, n: model.cohortStats(e)! };
      }),
    );
    const same: number[] = [];
    const different: number[] = [];
    for (let i = 0; i < embeddings.length; i++) {
      for (let j = i + 1; j < embeddings.length; j++) {
        const x = embeddings[i]!;
        const y = embeddings[j]!;
        const s = scoreEmbeddings(x.e, y.e, { a: x.n, b: y.n });
        (x.speaker === y.speaker ? same : different).push(s);
      }
    }
    expect(Math.min(...same)).toBeGreaterThan(Math.max(...different));
    // The threshold keeps false accepts <= 1 % on every channel, at the price of rejecting some
    // genuine clean trials (docs/voice-model.md): no impostor may pass, and most genuine pairs do.
    expect(Math.max(...different)).toBeLessThan(model.thresholds.recommended);
    expect(same.filter((s) => s >= model.thresholds.recommended).length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a model file whose parameters were altered', async () => {
    const model = await loadModel();
    const file = structuredClone(model.file);
    file.params.ubm.relevance = 15;
    expect(() => parseModel(JSON.stringify(file))).toThrow(/sha256/);
  });

  it('measures a narrow-band line and lowers that side of the normalised score', async () => {
    const model = await loadModel();
    const pcm = toMono16k(
      await decodeAudio(await readFile(testOther('1688', '1688-142285-0003.flac'))),
    ).subarray(8_000, 56_000);
    const telephone = simulateChannel(pcm, [
      { kind: 'band', lowHz: 300, highHz: 3400 },
      { kind: 'g711', law: 'mu' },
    ]);
    // A copy of an embedding carries no channel estimate: it counts as wideband.
    const shiftOf = (e: Float32Array): number => {
      const measured = model.cohortStats(e)!;
      const unmeasured = model.cohortStats(Float32Array.from(e))!;
      expect(measured.sd).toBe(unmeasured.sd);
      return (measured.mean - unmeasured.mean) / measured.sd;
    };
    const shift = model.file.params.channel!.shift;
    expect(shift).toBeGreaterThan(0);
    expect(shiftOf(model.embedSync(pcm))).toBeLessThan(0.1 * shift);
    expect(shiftOf(model.embedSync(telephone))).toBeGreaterThan(0.9 * shift);
  });

  it('rejects audio shorter than one frame', async () => {
    await expect(extractEmbedding(new Float32Array(100), await loadModel())).rejects.toThrow(
      RangeError,
    );
  });
});

describe('trainModel', () => {
  it('is deterministic: the same data and seed give byte-identical model files', async () => {
    const options = {
      dataDir: resolve(VOICE_DATA, 'librispeech_train-clean-100'),
      seed: 5,
      maxSpeakers: 6,
      heldOut: false,
      config: {
        components: 8,
        kmeansIterations: 3,
        emIterations: 3,
        ldaDim: 5,
        cohortTopN: 2,
        napRank: 2,
        gsmStride: 2,
        svLdaDim: 4,
        svPcaDim: 12,
      },
    };
    const first = await trainModel(options);
    const second = await trainModel(options);
    expect(second.json).toBe(first.json);
    expect(first.file.training.speakers).toBe(6);
    expect(parseModel(first.json).paramsVersion).toBe(first.file.paramsVersion);
  }, 180_000);
});
