import { spawn, spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeWithFfmpeg } from '../src/audio/decodeWithFfmpeg.js';
import type { DecodedAudio } from '../src/audio/decodedAudio.js';
import { decodeAudio, extractEmbedding, loadModel, toMono16k } from '../src/index.js';
import { VOICE_DATA } from './voiceData.js';

// The in-process decoders against ffmpeg on the shared recordings: same rate and channels, the
// same length within one codec frame, and the same speaker embedding. mpg123 and libFLAC also
// match ffmpeg sample for sample (SNR >= 60 dB, cosine >= 0.99). ffmpeg's native Opus decoder is
// not libopus (about 20-26 dB apart on these files), so Opus is held to cosine >= 0.98 against it
// and to SNR >= 60 dB against ffmpeg driving libopus. m4a (AAC) still goes through ffmpeg (a warm one).
const FRAME = { mp3: 1152, webm: 960, flac: 0 } as const;
const MIN_SNR_DB = { mp3: 60, flac: 60, webm: null } as const;
const MIN_COSINE = { mp3: 0.99, flac: 0.99, webm: 0.98 } as const;

/** ffmpeg decoding through libopus instead of its own Opus decoder, stdin to stdout. */
function decodeWithLibopus(bytes: Uint8Array): Promise<Float32Array> {
  return new Promise((resolvePcm, reject) => {
    const child = spawn('ffmpeg', [
      '-v',
      'error',
      '-c:a',
      'libopus',
      '-i',
      'pipe:0',
      '-f',
      'f32le',
      'pipe:1',
    ]);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg libopus exited with ${code}`));
      const all = Buffer.concat(chunks);
      const pcm = new Float32Array(all.length / 4);
      new Uint8Array(pcm.buffer).set(all);
      resolvePcm(pcm);
    });
    child.stdin.end(bytes);
  });
}

function snrDb(a: Float32Array, b: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    signal += b[i]! ** 2;
    noise += (a[i]! - b[i]!) ** 2;
  }
  return 10 * Math.log10(signal / Math.max(noise, 1e-30));
}

async function files(): Promise<Array<{ format: keyof typeof FRAME; path: string }>> {
  const out: Array<{ format: keyof typeof FRAME; path: string }> = [];
  for (const format of ['mp3', 'webm'] as const) {
    const dir = resolve(VOICE_DATA, 'phrases', format);
    for (const name of (await readdir(dir)).sort()) out.push({ format, path: resolve(dir, name) });
  }
  for (const [speaker, file] of [
    ['1688', '1688-142285-0002.flac'],
    ['2414', '2414-128291-0001.flac'],
    ['3005', '3005-163389-0001.flac'],
  ])
    out.push({
      format: 'flac',
      path: resolve(VOICE_DATA, 'librispeech_test-other', speaker!, file!),
    });
  return out;
}

describe('in-process decoders match ffmpeg', () => {
  it('on every mp3 and webm phrase recording and LibriSpeech flac', async () => {
    const model = await loadModel();
    const list = await files();
    expect(list.length).toBe(63);
    const failures: string[] = [];
    // Two at a time: the ffmpeg side spawns one process per file.
    for (let i = 0; i < list.length; i += 2) {
      await Promise.all(
        list.slice(i, i + 2).map(async ({ format, path }) => {
          const bytes = await readFile(path);
          const [ours, reference] = await Promise.all([
            decodeAudio(bytes),
            decodeWithFfmpeg(bytes, {}),
          ]);
          const frames = (a: DecodedAudio): number => a.samples.length / a.channels;
          const e1 = await extractEmbedding(toMono16k(ours), model);
          const e2 = await extractEmbedding(toMono16k(reference), model);
          let cosine = 0;
          for (let k = 0; k < e1.length; k++) cosine += e1[k]! * e2[k]!;
          cosine /= Math.hypot(...e1) * Math.hypot(...e2);
          const minSnr = MIN_SNR_DB[format];
          const snr = minSnr === null ? null : snrDb(ours.samples, reference.samples);
          const problems = [
            ours.sampleRate !== reference.sampleRate &&
              `rate ${ours.sampleRate} vs ${reference.sampleRate}`,
            ours.channels !== reference.channels &&
              `channels ${ours.channels} vs ${reference.channels}`,
            Math.abs(frames(ours) - frames(reference)) > FRAME[format] &&
              `frames ${frames(ours)} vs ${frames(reference)}`,
            !(cosine >= MIN_COSINE[format]) && `embedding cosine ${cosine.toFixed(4)}`,
            snr !== null && minSnr !== null && snr < minSnr && `SNR ${snr.toFixed(1)} dB`,
          ].filter(Boolean);
          if (problems.length > 0) failures.push(`${path}: ${problems.join(', ')}`);
        }),
      );
    }
    expect(failures).toEqual([]);
  }, 120_000);
});

describe('Opus in WebM', () => {
  it('matches libopus sample for sample, within one frame of length', async () => {
    for (const name of ['flite_slt_01', 'espeak-ng_en-us_03', 'festival_kal_03']) {
      const bytes = await readFile(resolve(VOICE_DATA, `phrases/webm/${name}.webm`));
      const [ours, reference] = await Promise.all([decodeAudio(bytes), decodeWithLibopus(bytes)]);
      expect(ours.sampleRate).toBe(48000);
      expect(Math.abs(ours.samples.length - reference.length)).toBeLessThanOrEqual(FRAME.webm);
      expect(snrDb(ours.samples, reference)).toBeGreaterThan(60);
    }
  });
});

describe('Opus decoded at 16 kHz (opusSampleRate)', () => {
  it('gives the 48 kHz decode resampled: same length, aligned within a sample, same speaker embedding', async () => {
    const model = await loadModel();
    const dir = resolve(VOICE_DATA, 'phrases/webm');
    const names = (await readdir(dir)).sort();
    expect(names.length).toBe(30);
    const failures: string[] = [];
    for (const name of names) {
      const bytes = await readFile(resolve(dir, name));
      const full = toMono16k(await decodeAudio(bytes));
      const direct = await decodeAudio(bytes, { opusSampleRate: 16_000 });
      // The pre-skip is counted at 48 kHz (RFC 7845): scaled, the two start together.
      let bestLag = 0;
      let best = -1;
      for (let lag = -8; lag <= 8; lag++) {
        let dot = 0;
        let a = 0;
        let b = 0;
        for (let i = 400; i < full.length - 400; i++) {
          dot += full[i]! * direct.samples[i + lag]!;
          a += full[i]! ** 2;
          b += direct.samples[i + lag]! ** 2;
        }
        const correlation = dot / Math.sqrt(a * b);
        if (correlation > best) [best, bestLag] = [correlation, lag];
      }
      const e1 = await extractEmbedding(full, model);
      const e2 = await extractEmbedding(toMono16k(direct), model);
      let cosine = 0;
      for (let k = 0; k < e1.length; k++) cosine += e1[k]! * e2[k]!;
      cosine /= Math.hypot(...e1) * Math.hypot(...e2);
      const problems = [
        direct.sampleRate !== 16_000 && `rate ${direct.sampleRate}`,
        direct.samples.length !== full.length &&
          `frames ${direct.samples.length} vs ${full.length}`,
        Math.abs(bestLag) > 1 && `lag ${bestLag}`,
        !(best > 0.97) && `correlation ${best.toFixed(4)}`,
        !(cosine >= 0.998) && `embedding cosine ${cosine.toFixed(4)}`,
      ].filter(Boolean);
      if (problems.length > 0) failures.push(`${name}: ${problems.join(', ')}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('leaves other codecs at their native rate', async () => {
    const wav = resolve(VOICE_DATA, 'phrases/wav/flite_slt_01.wav');
    const mp3 = spawnSync('ffmpeg', ['-v', 'error', '-i', wav, '-ar', '44100', '-f', 'mp3', '-']);
    expect(mp3.status).toBe(0);
    const decoded = await decodeAudio(mp3.stdout, { opusSampleRate: 16_000 });
    expect(decoded.sampleRate).toBe(44_100);
  });
});

describe('decodeAudio without ffmpeg', () => {
  const noFfmpeg = { ffmpegPath: '/nonexistent/ffmpeg' };

  it('decodes mp3, flac and Opus in WebM with no process (a missing ffmpeg does not matter)', async () => {
    for (const path of [
      'phrases/mp3/flite_slt_01.mp3',
      'phrases/webm/flite_slt_01.webm',
      'librispeech_test-other/1688/1688-142285-0002.flac',
    ]) {
      const audio = await decodeAudio(await readFile(resolve(VOICE_DATA, path)), noFfmpeg);
      expect(audio.channels).toBe(1);
      expect(audio.durationSec).toBeGreaterThan(2);
    }
  });

  it('refuses audio longer than maxDurationSec in process too', async () => {
    const bytes = await readFile(resolve(VOICE_DATA, 'phrases/mp3/flite_slt_01.mp3'));
    await expect(decodeAudio(bytes, { ...noFfmpeg, maxDurationSec: 1 })).rejects.toMatchObject({
      code: 'DECODE_FAILED',
    });
  });

  it('rejects garbage behind an mp3 or WebM/Opus start without asking ffmpeg', async () => {
    const mp3 = await readFile(resolve(VOICE_DATA, 'phrases/mp3/flite_slt_01.mp3'));
    const truncated = new Uint8Array(mp3.subarray(0, 200));
    truncated.fill(0x55, 14);
    await expect(decodeAudio(truncated, noFfmpeg)).rejects.toMatchObject({
      code: 'INVALID_AUDIO',
    });
  });
});

describe('decodeAudio falls back to ffmpeg', () => {
  it('for a WebM track that is not Opus (Vorbis)', async () => {
    const wav = await readFile(resolve(VOICE_DATA, 'phrases/wav/flite_slt_01.wav'));
    const encoded = spawnSync(
      'ffmpeg',
      ['-v', 'error', '-i', 'pipe:0', '-c:a', 'libvorbis', '-f', 'webm', 'pipe:1'],
      { input: wav },
    );
    expect(encoded.status).toBe(0);
    const bytes = new Uint8Array(encoded.stdout);
    const audio = await decodeAudio(bytes);
    expect(audio).toMatchObject({ sampleRate: 16000, channels: 1 });
    await expect(decodeAudio(bytes, { ffmpegPath: '/nonexistent/ffmpeg' })).rejects.toMatchObject({
      code: 'FFMPEG_MISSING',
    });
  });
});
