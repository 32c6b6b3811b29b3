import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChannelChain, simulateChannel } from '../src/index.js';
import { decodeWithFfmpeg } from '../src/audio/decodeWithFfmpeg.js';
import { randomChannel } from '../src/channel/simulateChannel.js';
import { decodeFlac } from '../src/internal/decodeFlac.js';
import { createPrng } from '../src/internal/prng.js';
import { VOICE_DATA } from './voiceData.js';

const tone = (hz: number, seconds = 1): Float32Array =>
  Float32Array.from(
    { length: 16000 * seconds },
    (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / 16000),
  );

const rms = (x: Float32Array, from = 4000): number => {
  let sum = 0;
  for (let i = from; i < x.length; i++) sum += x[i]! ** 2;
  return Math.sqrt(sum / (x.length - from));
};

describe('decodeFlac', () => {
  it('decodes LibriSpeech and train-extra FLAC exactly as ffmpeg does', async () => {
    for (const file of [
      'librispeech_train-clean-100/103-1240-0000.flac',
      'train-extra/fsdd/george/george_digits_05.flac',
    ]) {
      const bytes = await readFile(resolve(VOICE_DATA, file));
      const ours = decodeFlac(bytes);
      // ffmpeg itself (decodeAudio decodes FLAC in process too, with libFLAC).
      const ffmpeg = await decodeWithFfmpeg(bytes, {});
      expect(ours.sampleRate).toBe(ffmpeg.sampleRate);
      expect(ours.channels).toBe(ffmpeg.channels);
      expect(ours.samples.length).toBe(ffmpeg.samples.length);
      // Counted, not diffed: a diff of two 200k-sample arrays takes minutes to print.
      let differing = 0;
      for (let i = 0; i < ours.samples.length; i += 1)
        if (ours.samples[i] !== ffmpeg.samples[i]) differing += 1;
      expect(differing).toBe(0);
    }
  });
});

describe('simulateChannel', () => {
  it('passes the telephone band and removes what lies outside it', () => {
    const band = [{ kind: 'band', lowHz: 300, highHz: 3400 }] as const;
    expect(rms(simulateChannel(tone(1000), band)) / rms(tone(1000))).toBeGreaterThan(0.9);
    expect(rms(simulateChannel(tone(6000), band)) / rms(tone(6000))).toBeLessThan(0.05);
    expect(rms(simulateChannel(tone(100), band)) / rms(tone(100))).toBeLessThan(0.1);
    const line = simulateChannel(tone(5000), [{ kind: 'narrowband' }]);
    expect(rms(line) / rms(tone(5000))).toBeLessThan(0.01);
  });

  it('adds noise at the requested SNR, deterministically', () => {
    const clean = tone(440);
    const step = [{ kind: 'noise', color: 'pink', snrDb: 10, seed: 4 }] as const;
    const noisy = simulateChannel(clean, step);
    expect(noisy).toEqual(simulateChannel(clean, step));
    const noise = noisy.map((v, i) => v - clean[i]!);
    expect(20 * Math.log10(rms(clean, 0) / rms(noise, 0))).toBeCloseTo(10, 1);
  });

  it('draws the same random channels from the same seed', () => {
    const babble = (): Float32Array[] => [tone(300)];
    const a = createPrng(9);
    const b = createPrng(9);
    for (let i = 0; i < 20; i++) expect(randomChannel(a, babble)).toEqual(randomChannel(b, babble));
  });
});

describe('parseChannelChain', () => {
  it('reads chains and names the step it cannot read', () => {
    expect(parseChannelChain('band:300-3400,opus:12')).toEqual([
      { kind: 'band', lowHz: 300, highHz: 3400 },
      { kind: 'codec', codec: 'opus', kbps: 12 },
    ]);
    expect(parseChannelChain('8k, mulaw')).toEqual([
      { kind: 'narrowband' },
      { kind: 'g711', law: 'mu' },
    ]);
    expect(() => parseChannelChain('band:300-3400,opus')).toThrow(/step 2 \(opus\)/);
    expect(() => parseChannelChain('telephone')).toThrow(RangeError);
  });
});
