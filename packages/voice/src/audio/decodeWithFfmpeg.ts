import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';
import type { DecodeAudioOptions } from './decodeAudio.js';
import { createWarmProcessPool } from './warmProcessPool.js';

/** The Debian package that provides the decoder, named in every "missing" error. */
export const FFMPEG_INSTALL_HINT = 'apt-get install -y ffmpeg';

const CHANNEL_LAYOUTS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  '2.1': 3,
  '3.0': 3,
  '3.0(back)': 3,
  quad: 4,
  'quad(side)': 4,
  '4.0': 4,
  '5.0': 5,
  '5.0(side)': 5,
  '4.1': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.0': 6,
  '6.1': 7,
  '7.0': 7,
  '7.1': 8,
  '7.1(wide)': 8,
};

/**
 * ffmpeg processes started ahead of need (`KEYRA_FFMPEG_WARM`, default 2; 0 turns it off), so a
 * decode does not wait ~50 ms for one to start. The first decode starts them.
 */
const warm = createWarmProcessPool(warmPoolSize(process.env['KEYRA_FFMPEG_WARM']));

function warmPoolSize(text: string | undefined): number {
  if (text === undefined || text === '') return 2;
  const size = Number(text);
  if (!Number.isInteger(size) || size < 0 || size > 16)
    throw new Error(`KEYRA_FFMPEG_WARM must be a whole number from 0 to 16, not ${text}`);
  return size;
}

/** Kills the idle warm ffmpeg processes (for tests and for a clean shutdown). */
export function drainFfmpegPool(): void {
  warm.drain();
}

/**
 * Decodes any container ffmpeg knows with a spawned `ffmpeg` that reads the bytes on stdin and
 * writes f32le on stdout, so raw audio never touches the disk; the process comes from a warm
 * pool, so its start-up is off the request path. The fallback of `decodeAudio` for
 * what it does not decode in process (AAC in m4a, other codecs in webm, ogg), and the reference
 * the in-process decoders are tested against. Throws `AudioError`: `INVALID_AUDIO`,
 * `FFMPEG_MISSING` (with the apt command in the message) or `DECODE_FAILED`.
 */
export function decodeWithFfmpeg(
  bytes: Uint8Array,
  options: DecodeAudioOptions,
): Promise<DecodedAudio> {
  const ffmpeg = options.ffmpegPath ?? process.env['KEYRA_FFMPEG'] ?? 'ffmpeg';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = (options.maxDurationSec ?? 600) * 48_000 * 2 * 4;
  const args = [
    '-hide_banner',
    '-nostats',
    '-i',
    'pipe:0',
    '-map',
    '0:a:0',
    '-f',
    'f32le',
    '-acodec',
    'pcm_f32le',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = warm.take(ffmpeg, args);
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: AudioError | null = null;
    const fail = (error: AudioError): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail(new AudioError('DECODE_FAILED', `ffmpeg took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        error.code === 'ENOENT'
          ? new AudioError(
              'FFMPEG_MISSING',
              `decoding this audio needs ffmpeg: ${FFMPEG_INSTALL_HINT}`,
              { cause: error },
            )
          : new AudioError('DECODE_FAILED', `could not start ffmpeg: ${error.message}`, {
              cause: error,
            }),
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxBytes) fail(new AudioError('DECODE_FAILED', 'decoded audio is too long'));
      else chunks.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += chunk.toString('utf8');
    });
    // ffmpeg may stop reading early (bad input): that EPIPE is reported through the exit code.
    child.stdin.on('error', () => undefined);
    child.stdin.end(bytes);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      if (code !== 0) {
        const reason = stderr.trim().split('\n').slice(-1)[0] ?? '';
        return reject(
          new AudioError('INVALID_AUDIO', `ffmpeg could not decode the audio: ${reason}`),
        );
      }
      const output = stderr.slice(stderr.indexOf('Output #0'));
      const match = /Audio: pcm_f32le, (\d+) Hz, ([^,]+),/.exec(output);
      const layout = match?.[2]?.trim() ?? '';
      const channels =
        CHANNEL_LAYOUTS[layout] ?? Number(/^(\d+) channels/.exec(layout)?.[1] ?? NaN);
      const sampleRate = Number(match?.[1] ?? NaN);
      if (!Number.isFinite(channels) || !Number.isFinite(sampleRate) || sampleRate <= 0) {
        return reject(
          new AudioError(
            'DECODE_FAILED',
            `could not read ffmpeg's output format (${layout || 'none'})`,
          ),
        );
      }
      const all = Buffer.concat(chunks);
      // Copy into an aligned buffer: Buffer.concat may return a view at an odd offset.
      const samples = new Float32Array(Math.floor(all.length / 4 / channels) * channels);
      new Uint8Array(samples.buffer).set(all.subarray(0, samples.length * 4));
      for (let i = 0; i < samples.length; i++) if (!Number.isFinite(samples[i]!)) samples[i] = 0;
      const frames = samples.length / channels;
      if (frames === 0) return reject(new AudioError('INVALID_AUDIO', 'the audio has no samples'));
      resolve({ samples, sampleRate, channels, durationSec: frames / sampleRate });
    });
  });
}
