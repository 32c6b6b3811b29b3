import { spawn } from 'node:child_process';
import { AudioError } from '../audio/audioError.js';
import { FFMPEG_INSTALL_HINT } from '../audio/decodeAudio.js';
import { resample } from '../audio/toMono16k.js';
import { simulateChannel, type ChannelStep } from './simulateChannel.js';

/** A lossy codec run through ffmpeg (encode, then decode back to 16 kHz). */
export type CodecName = 'opus' | 'mp3' | 'aac' | 'gsm' | 'speex';

type FfmpegCodec = Exclude<CodecName, 'gsm'>;

/** A parsed `--channel` chain: in-process steps and ffmpeg codecs, in order. */
export type ChainStep = ChannelStep | { kind: 'codec'; codec: CodecName; kbps: number };

/** The syntax `parseChannelChain` accepts, for help texts. */
export const CHANNEL_CHAIN_SYNTAX =
  'comma-separated steps: band:LOW-HIGH (Hz), 8k (8 kHz line), mulaw, alaw, opus:KBPS, mp3:KBPS, aac:KBPS, gsm, speex:KBPS, noise:SNR_DB (pink), white:SNR_DB, reverb:RT60_S, gain:DB, clip:PEAK, eq:HZ:DB; e.g. band:300-3400,opus:12';

/**
 * Parses a channel chain such as `band:300-3400,opus:12` (see `CHANNEL_CHAIN_SYNTAX`). Throws
 * `RangeError` naming the step it cannot read.
 */
export function parseChannelChain(spec: string): ChainStep[] {
  const steps: ChainStep[] = [];
  spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .forEach((part, index) => {
      const [name, ...args] = part.split(':');
      const nums = args.flatMap((a) => a.split('-')).map(Number);
      const bad = (): never => {
        throw new RangeError(
          `channel step ${index + 1} (${part}) is not valid: ${CHANNEL_CHAIN_SYNTAX}`,
        );
      };
      if (nums.some((n) => !Number.isFinite(n))) bad();
      const n0 = nums[0]!;
      switch (name) {
        case 'band':
          if (nums.length !== 2 || n0 < 0 || nums[1]! <= n0 || nums[1]! > 8000) bad();
          steps.push({ kind: 'band', lowHz: n0, highHz: nums[1]! });
          break;
        case '8k':
          steps.push({ kind: 'narrowband' });
          break;
        case 'mulaw':
        case 'alaw':
          steps.push({ kind: 'g711', law: name === 'mulaw' ? 'mu' : 'a' });
          break;
        case 'opus':
        case 'mp3':
        case 'aac':
        case 'speex':
          if (nums.length !== 1 || n0 < 2 || n0 > 320) bad();
          steps.push({ kind: 'codec', codec: name, kbps: n0 });
          break;
        case 'gsm':
          steps.push({ kind: 'codec', codec: 'gsm', kbps: 13 });
          break;
        case 'noise':
        case 'white':
          if (nums.length !== 1) bad();
          steps.push({
            kind: 'noise',
            color: name === 'noise' ? 'pink' : 'white',
            snrDb: n0,
            seed: 1,
          });
          break;
        case 'reverb':
          if (nums.length !== 1 || n0 <= 0 || n0 > 3) bad();
          steps.push({ kind: 'reverb', rt60: n0, seed: 1 });
          break;
        case 'gain':
          if (nums.length !== 1) bad();
          steps.push({ kind: 'gain', db: n0 });
          break;
        case 'clip':
          if (nums.length !== 1 || n0 <= 0) bad();
          steps.push({ kind: 'clip', peak: n0 });
          break;
        case 'eq':
          if (nums.length !== 2 || n0 <= 0 || n0 >= 8000) bad();
          steps.push({ kind: 'eq', hz: n0, gainDb: nums[1]! });
          break;
        default:
          bad();
      }
    });
  return steps;
}

/**
 * Runs 16 kHz mono audio through a parsed chain: simulated steps in process, codecs through
 * ffmpeg (`ffmpegPath`, default `$KEYRA_FFMPEG` or `ffmpeg`). For measuring the model on degraded
 * audio; ffmpeg builds differ, so codec output is not bit-identical across machines.
 */
export async function applyChannelChain(
  pcm: Float32Array,
  chain: readonly ChainStep[],
  ffmpegPath?: string,
): Promise<Float32Array> {
  let x = pcm;
  let pending: ChannelStep[] = [];
  for (const step of chain) {
    if (step.kind !== 'codec') {
      pending.push(step);
      continue;
    }
    x = simulateChannel(x, pending);
    pending = [];
    x = await runCodec(x, step.codec, step.kbps, ffmpegPath);
  }
  return pending.length > 0 ? simulateChannel(x, pending) : x;
}

const ENCODE: Record<FfmpegCodec, (kbps: number) => { args: string[]; format: string[] }> = {
  opus: (kbps) => ({
    args: ['-c:a', 'libopus', '-b:a', `${kbps}k`, '-f', 'ogg'],
    format: ['-f', 'ogg'],
  }),
  mp3: (kbps) => ({
    args: ['-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-f', 'mp3'],
    format: ['-f', 'mp3'],
  }),
  aac: (kbps) => ({
    args: ['-c:a', 'aac', '-b:a', `${kbps}k`, '-f', 'adts'],
    format: ['-f', 'aac'],
  }),
  speex: (kbps) => ({
    args: ['-c:a', 'libspeex', '-b:a', `${kbps}k`, '-f', 'ogg'],
    format: ['-f', 'ogg'],
  }),
};

async function runCodec(
  pcm: Float32Array,
  codec: CodecName,
  kbps: number,
  ffmpegPath?: string,
): Promise<Float32Array> {
  if (codec === 'gsm') return runGsm(pcm, ffmpegPath);
  const { args, format } = ENCODE[codec](kbps);
  const input = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const encoded = await runFfmpeg(
    ['-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', 'pipe:0', ...args, 'pipe:1'],
    input,
    ffmpegPath,
  );
  const decoded = await runFfmpeg(
    [...format, '-i', 'pipe:0', '-f', 'f32le', '-ar', '16000', '-ac', '1', 'pipe:1'],
    encoded,
    ffmpegPath,
  );
  const out = new Float32Array(pcm.length);
  const samples = new Float32Array(
    decoded.buffer.slice(decoded.byteOffset, decoded.byteOffset + (decoded.byteLength & ~3)),
  );
  // Codecs add a little delay or padding: keep the input's length.
  out.set(samples.subarray(0, Math.min(samples.length, out.length)));
  return out;
}

/**
 * GSM 06.10 full rate with every conversion in process: ffmpeg only sees 8 kHz 16-bit integers
 * and libgsm is a bit-exact standard, so the output is the same on every machine (training uses
 * it). Resampling through ffmpeg would not be: its float resampler differs between builds.
 */
async function runGsm(pcm: Float32Array, ffmpegPath?: string): Promise<Float32Array> {
  const low = resample(pcm, 16_000, 8_000);
  const ints = new Int16Array(low.length);
  for (let i = 0; i < low.length; i++) {
    ints[i] = Math.max(-32768, Math.min(32767, Math.round(low[i]! * 32768)));
  }
  const raw = ['-f', 's16le', '-ar', '8000', '-ac', '1'];
  const encoded = await runFfmpeg(
    [...raw, '-i', 'pipe:0', '-c:a', 'libgsm', '-f', 'gsm', 'pipe:1'],
    Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength),
    ffmpegPath,
  );
  const decoded = await runFfmpeg(
    ['-f', 'gsm', '-ar', '8000', '-ac', '1', '-i', 'pipe:0', ...raw, 'pipe:1'],
    encoded,
    ffmpegPath,
  );
  const back = new Int16Array(
    decoded.buffer.slice(decoded.byteOffset, decoded.byteOffset + (decoded.byteLength & ~1)),
  );
  const float = Float32Array.from(back, (v) => v / 32768);
  const out = new Float32Array(pcm.length);
  const up = resample(float, 8_000, 16_000);
  out.set(up.subarray(0, Math.min(up.length, out.length)));
  return out;
}

function runFfmpeg(args: string[], input: Buffer, ffmpegPath?: string): Promise<Buffer> {
  const ffmpeg = ffmpegPath ?? process.env['KEYRA_FFMPEG'] ?? 'ffmpeg';
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostats', '-v', 'error', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new AudioError('FFMPEG_MISSING', `codec channels need ffmpeg: ${FFMPEG_INSTALL_HINT}`, {
              cause: error,
            })
          : error,
      ),
    );
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('close', (code) => {
      if (code !== 0)
        reject(
          new AudioError(
            'DECODE_FAILED',
            `ffmpeg failed: ${stderr.trim().split('\n').pop() ?? ''}`,
          ),
        );
      else resolve(Buffer.concat(chunks));
    });
  });
}

/**
 * `applyChannelChain` over many recordings with one ffmpeg run per codec: the recordings are
 * joined with 0.25 s of silence, processed, re-aligned (the codec delay is found by
 * cross-correlation) and cut apart again.
 */
export async function applyChannelChainBatch(
  pcms: readonly Float32Array[],
  chain: readonly ChainStep[],
  ffmpegPath?: string,
): Promise<Float32Array[]> {
  const gap = 4000;
  const total = pcms.reduce((sum, p) => sum + p.length + gap, gap);
  const joined = new Float32Array(total);
  const starts: number[] = [];
  let at = gap;
  for (const p of pcms) {
    starts.push(at);
    joined.set(p, at);
    at += p.length + gap;
  }
  const out = await applyChannelChain(joined, chain, ffmpegPath);
  const lag = findLag(joined, out, 3000);
  return pcms.map((p, i) => out.slice(starts[i]! + lag, starts[i]! + lag + p.length));
}

/** The delay (0..maxLag samples) of `y` against `x`, by cross-correlation over the first 10 s. */
function findLag(x: Float32Array, y: Float32Array, maxLag: number): number {
  const n = Math.min(x.length, y.length, 160_000) - maxLag;
  let best = 0;
  let arg = 0;
  for (let lag = 0; lag <= maxLag; lag++) {
    let sum = 0;
    for (let i = 0; i < n; i += 2) sum += x[i]! * y[i + lag]!;
    if (sum > best) {
      best = sum;
      arg = lag;
    }
  }
  return arg;
}
