import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AudioError,
  analyzeRecordingSync,
  createVoiceAnalyzer,
  decodeAudio,
  loadModel,
  toMono16k,
  type DecodedAudio,
  type VoiceAnalyzer,
} from '../src/index.js';
import { VOICE_DATA } from './voiceData.js';

// A real recording at 48 kHz (Opus in WebM), so the 16 kHz samples are a resampling, not a copy.
let decoded: DecodedAudio;
let worker: VoiceAnalyzer;
let inline: VoiceAnalyzer;

beforeAll(async () => {
  decoded = await decodeAudio(
    await readFile(resolve(VOICE_DATA, 'phrases/webm/flite_slt_01.webm')),
  );
  worker = await createVoiceAnalyzer({ threads: 1 });
  inline = await createVoiceAnalyzer({ inline: true });
});

afterAll(async () => {
  await worker?.close();
  await inline?.close();
});

/** Resolves with the order in which the two stages settled. */
async function settleOrder(stages: {
  pcm16k: Promise<unknown>;
  result: Promise<unknown>;
}): Promise<string[]> {
  const order: string[] = [];
  await Promise.allSettled([
    stages.pcm16k.finally(() => order.push('pcm16k')),
    stages.result.finally(() => order.push('result')),
  ]);
  return order;
}

describe.each([
  ['in a worker thread', () => worker, true],
  ['inline', () => inline, false],
])('analyzeInStages, %s', (_name, analyzer, concurrent) => {
  it('hands over the 16 kHz samples first, the same ones the analysis used', async () => {
    expect(decoded.sampleRate).toBe(48_000);
    const stages = analyzer().analyzeInStages(decoded);
    expect(await settleOrder(stages)).toEqual(['pcm16k', 'result']);
    // From a worker, handed over before the embedding is computed, not with the result (inline,
    // the same thread computes both in one go).
    if (!concurrent) return;
    const again = analyzer().analyzeInStages(decoded);
    await again.pcm16k;
    const pending = Symbol('pending');
    expect(await Promise.race([again.result, Promise.resolve(pending)])).toBe(pending);
    await again.result;
    const [pcm16k, result] = await Promise.all([stages.pcm16k, stages.result]);
    expect(Array.from(pcm16k)).toEqual(Array.from(toMono16k(decoded)));
    expect(Array.from(result.pcm16k)).toEqual(Array.from(pcm16k));
    const reference = analyzeRecordingSync(decoded, await loadModel());
    expect(Array.from(result.embedding)).toEqual(Array.from(reference.embedding));
    expect(result.quality).toEqual(reference.quality);
    expect(Array.from(result.fingerprint)).toEqual(Array.from(reference.fingerprint));
  });

  it('rejects the result when the analysis fails after resampling (no samples)', async () => {
    const empty: DecodedAudio = {
      samples: new Float32Array(0),
      sampleRate: 16_000,
      channels: 1,
      durationSec: 0,
    };
    const stages = analyzer().analyzeInStages(empty);
    await expect(stages.result).rejects.toThrow();
    expect((await stages.pcm16k).length).toBe(0);
  });

  it('rejects both stages when resampling fails, and an unobserved pcm16k is not unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const broken = { ...decoded, samples: null } as unknown as DecodedAudio;
      const stages = analyzer().analyzeInStages(broken);
      await expect(stages.pcm16k).rejects.toThrow();
      await expect(stages.result).rejects.toThrow();
      // Another analysis whose pcm16k nobody observes.
      await expect(analyzer().analyzeInStages(broken).result).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a closed analyzer', () => {
  it('rejects both stages', async () => {
    const analyzer = await createVoiceAnalyzer({ threads: 1 });
    await analyzer.close();
    const stages = analyzer.analyzeInStages(decoded);
    await expect(stages.pcm16k).rejects.toThrow(/closed/);
    await expect(stages.result).rejects.toThrow(/closed/);
  });
});

describe.each([
  ['in a worker thread', () => worker],
  ['inline', () => inline],
])('decode, %s', (_name, analyzer) => {
  it('gives what decodeAudio gives in process', async () => {
    for (const [file, options] of [
      ['phrases/webm/flite_slt_01.webm', { opusSampleRate: 16_000 as const }],
      ['phrases/webm/flite_slt_01.webm', {}],
      ['phrases/mp3/flite_slt_01.mp3', {}],
      ['phrases/wav/flite_slt_01.wav', {}],
      // AAC: ffmpeg, started from the worker thread.
      ['phrases/m4a/flite_slt_01.m4a', {}],
    ] as const) {
      const bytes = await readFile(resolve(VOICE_DATA, file));
      const [ours, reference] = await Promise.all([
        analyzer().decode(bytes, options),
        decodeAudio(bytes, options),
      ]);
      expect({ ...ours, samples: null }).toEqual({ ...reference, samples: null });
      expect(ours.samples).toBeInstanceOf(Float32Array);
      expect(Array.from(ours.samples)).toEqual(Array.from(reference.samples));
    }
  });

  it('rejects with the same AudioError codes', async () => {
    const garbage = new TextEncoder().encode('not audio at all, just text');
    const error = await analyzer()
      .decode(garbage)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AudioError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_CONTAINER' });
    const mp3 = await readFile(resolve(VOICE_DATA, 'phrases/mp3/flite_slt_01.mp3'));
    const tooLong = await analyzer()
      .decode(mp3, { maxDurationSec: 0.5 })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(AudioError);
    expect(tooLong).toMatchObject({ code: 'DECODE_FAILED' });
  });
});

describe('a closed analyzer', () => {
  it('refuses to decode', async () => {
    const analyzer = await createVoiceAnalyzer({ threads: 1 });
    await analyzer.close();
    await expect(analyzer.decode(new Uint8Array(16))).rejects.toThrow(/closed/);
  });
});
