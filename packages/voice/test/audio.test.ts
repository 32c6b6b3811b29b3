import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudioError, decodeAudio, decodeWav, detectContainer, toMono16k } from '../src/index.js';
import { resample, resamplePolyphase } from '../src/audio/toMono16k.js';
import { createPrng } from '../src/internal/prng.js';
import { VOICE_DATA } from './voiceData.js';

/** A WAV file with the given sample encoding, built byte by byte. */
function wav(
  samples: number[][],
  rate: number,
  bits: number,
  float = false,
  extensible = false,
): Uint8Array {
  const channels = samples.length;
  const frames = samples[0]!.length;
  const bytesPer = bits / 8;
  const fmtSize = extensible ? 40 : 16;
  const dataSize = frames * channels * bytesPer;
  const buf = new DataView(new ArrayBuffer(12 + 8 + fmtSize + 8 + dataSize));
  const tag = (o: number, s: string): void =>
    [...s].forEach((ch, i) => buf.setUint8(o + i, ch.charCodeAt(0)));
  tag(0, 'RIFF');
  buf.setUint32(4, buf.byteLength - 8, true);
  tag(8, 'WAVE');
  tag(12, 'fmt ');
  buf.setUint32(16, fmtSize, true);
  const code = float ? 3 : 1;
  buf.setUint16(20, extensible ? 0xfffe : code, true);
  buf.setUint16(22, channels, true);
  buf.setUint32(24, rate, true);
  buf.setUint32(28, rate * channels * bytesPer, true);
  buf.setUint16(32, channels * bytesPer, true);
  buf.setUint16(34, bits, true);
  if (extensible) {
    buf.setUint16(36, 22, true);
    buf.setUint16(38, bits, true);
    buf.setUint16(44, code, true);
  }
  let o = 20 + fmtSize;
  tag(o, 'data');
  buf.setUint32(o + 4, dataSize, true);
  o += 8;
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const v = samples[c]![f]!;
      if (float) buf.setFloat32(o, v, true);
      else if (bits === 8) buf.setUint8(o, Math.round(v * 127) + 128);
      else if (bits === 16) buf.setInt16(o, Math.round(v * 32767), true);
      else if (bits === 24) {
        const x = Math.round(v * 8388607);
        buf.setUint8(o, x & 0xff);
        buf.setUint8(o + 1, (x >> 8) & 0xff);
        buf.setInt8(o + 2, x >> 16);
      } else buf.setInt32(o, Math.round(v * 2147483647), true);
      o += bytesPer;
    }
  }
  return new Uint8Array(buf.buffer);
}

const ramp = [0, 0.5, -0.5, 0.25, -1, 0.999];

describe('decodeWav', () => {
  for (const [bits, float, tolerance] of [
    [8, false, 1 / 64],
    [16, false, 1e-4],
    [24, false, 1e-6],
    [32, false, 1e-8],
    [32, true, 0],
  ] as const) {
    it(`decodes ${float ? 'float' : 'int'} ${bits}-bit mono and stereo`, () => {
      const mono = decodeWav(wav([ramp], 22050, bits, float));
      expect(mono).toMatchObject({ sampleRate: 22050, channels: 1 });
      expect(mono.durationSec).toBeCloseTo(ramp.length / 22050, 12);
      mono.samples.forEach((v, i) =>
        expect(Math.abs(v - ramp[i]!)).toBeLessThanOrEqual(tolerance + 1e-7),
      );
      const stereo = decodeWav(wav([ramp, ramp.map((v) => -v)], 48000, bits, float, true));
      expect(stereo.channels).toBe(2);
      expect(stereo.samples.length).toBe(2 * ramp.length);
      expect(Math.abs(stereo.samples[3]! + ramp[1]!)).toBeLessThanOrEqual(tolerance + 1e-7);
    });
  }

  it('rejects malformed files with a coded error', () => {
    expect(() => decodeWav(new Uint8Array(8))).toThrow(AudioError);
    const bad = wav([ramp], 16000, 16);
    bad[20] = 2; // ADPCM
    expect(() => decodeWav(bad)).toThrow(/format code 2/);
  });

  it('resamples to 16 kHz mono and keeps a tone', () => {
    const n = 48000;
    const tone = Array.from(
      { length: n },
      (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 48000),
    );
    const mono = toMono16k(decodeWav(wav([tone, tone], 48000, 16)));
    expect(mono.length).toBe(16000);
    for (let i = 100; i < 200; i++)
      expect(mono[i]!).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000), 2);
  });
});

describe('resamplePolyphase', () => {
  it('gives what the table-driven resampler gives, for the common rates', () => {
    const prng = createPrng(3);
    for (const rate of [48000, 44100, 32000, 24000, 22050, 11025, 8000]) {
      const x = Float32Array.from({ length: Math.round(rate * 0.7) }, () => prng.next() - 0.5);
      const expected = resample(x, rate, 16000);
      const got = resamplePolyphase(x, rate, 16000)!;
      expect(got.length).toBe(expected.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++)
        worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it('leaves ratios with too many phases to the general resampler', () => {
    expect(resamplePolyphase(new Float32Array(100), 16001, 16000)).toBeNull();
    expect(
      toMono16k({
        samples: new Float32Array(16001),
        sampleRate: 16001,
        channels: 1,
        durationSec: 1,
      }).length,
    ).toBe(16000);
  });
});

describe('detectContainer', () => {
  const bytes = (...xs: Array<number | string>): Uint8Array =>
    new Uint8Array(
      xs.flatMap((x) => (typeof x === 'string' ? [...x].map((c) => c.charCodeAt(0)) : [x])),
    );
  it('recognises every supported container by its magic bytes', () => {
    expect(detectContainer(wav([ramp], 16000, 16))).toBe('wav');
    expect(detectContainer(bytes('fLaC', 0, 0, 0, 34))).toBe('flac');
    expect(detectContainer(bytes('ID3', 4, 0))).toBe('mp3');
    expect(detectContainer(bytes(0xff, 0xfb, 0x90, 0x64))).toBe('mp3');
    expect(detectContainer(bytes(0, 0, 0, 0x1c, 'ftypM4A '))).toBe('m4a');
    expect(detectContainer(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f))).toBe('webm');
    expect(detectContainer(bytes('OggS', 0))).toBe('ogg');
  });
  it('refuses what it does not know, including near misses', () => {
    expect(detectContainer(bytes('RIFF', 0, 0, 0, 0, 'AVI '))).toBe('unknown');
    expect(detectContainer(bytes(0xff, 0xfb, 0xf0, 0x64))).toBe('unknown');
    expect(detectContainer(bytes('<html>'))).toBe('unknown');
    expect(detectContainer(new Uint8Array(0))).toBe('unknown');
  });
});

describe('decodeAudio', () => {
  it('decodes the phrase recordings in every format to the same length', async () => {
    const lengths: Record<string, number> = {};
    for (const format of ['wav', 'mp3', 'm4a', 'webm']) {
      const bytes = await readFile(resolve(VOICE_DATA, `phrases/${format}/flite_slt_01.${format}`));
      const audio = await decodeAudio(bytes);
      expect(audio.channels).toBe(1);
      lengths[format] = toMono16k(audio).length / 16000;
    }
    // Lossy codecs add priming/padding samples (AAC ~60 ms): same recording within 0.1 s.
    for (const seconds of Object.values(lengths))
      expect(Math.abs(seconds - lengths['wav']!)).toBeLessThan(0.1);
    const flac = await decodeAudio(
      await readFile(resolve(VOICE_DATA, 'librispeech_test-other/1688/1688-142285-0002.flac')),
    );
    expect(flac).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(flac.durationSec).toBeCloseTo(2.835, 2);
  });

  it('reports a missing ffmpeg with the apt package name (AAC still needs it)', async () => {
    const bytes = await readFile(resolve(VOICE_DATA, 'phrases/m4a/flite_slt_01.m4a'));
    await expect(decodeAudio(bytes, { ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toMatchObject({
      code: 'FFMPEG_MISSING',
      message: expect.stringContaining('apt-get install -y ffmpeg'),
    });
  });

  it('rejects garbage behind a valid magic number and unknown content', async () => {
    await expect(
      decodeAudio(new Uint8Array([0x66, 0x4c, 0x61, 0x43, 1, 2, 3])),
    ).rejects.toMatchObject({ code: 'INVALID_AUDIO' });
    await expect(decodeAudio(new Uint8Array([1, 2, 3, 4]))).rejects.toMatchObject({
      code: 'UNSUPPORTED_CONTAINER',
    });
  });
});
