import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';
import { decodeFlac } from './decodeFlac.js';
import { decodeMp3 } from './decodeMp3.js';
import { decodeWav } from './decodeWav.js';
import { decodeWebmOpus } from './decodeWebmOpus.js';
import { decodeWithFfmpeg } from './decodeWithFfmpeg.js';
import { detectContainer } from './detectContainer.js';

export { FFMPEG_INSTALL_HINT } from './decodeWithFfmpeg.js';

/** Options for `decodeAudio`. */
export interface DecodeAudioOptions {
  /** ffmpeg executable; defaults to `$KEYRA_FFMPEG` or `ffmpeg` on the PATH. */
  ffmpegPath?: string;
  /** Kill ffmpeg after this long (default 10 s). */
  timeoutMs?: number;
  /** Refuse to decode more than this many seconds of audio (default 600). */
  maxDurationSec?: number;
  /**
   * The rate to decode Opus at (default 48 kHz). libopus decodes natively at 8, 12, 16, 24 or
   * 48 kHz, so a caller that wants 16 kHz (the speaker model, the recognizer) gets it without
   * the 48 kHz decode and the resampling; its own band limit replaces `toMono16k`'s. Other codecs
   * keep their native rate.
   */
  opusSampleRate?: OpusSampleRate;
}

/** The rates libopus decodes at. */
export type OpusSampleRate = 8000 | 12000 | 16000 | 24000 | 48000;

/**
 * Decodes audio bytes to interleaved float samples, in memory only. The container is detected
 * from the content (`detectContainer`). WAV, mp3, flac and Opus in WebM are decoded in process
 * (WAV in TypeScript; mpg123, libFLAC and libopus compiled to WebAssembly), with no process
 * spawned; the rest (AAC in m4a, other codecs in WebM, ogg) by an `ffmpeg` process, started ahead
 * of need (see `decodeWithFfmpeg`), that reads the bytes on stdin and writes f32le on stdout, so raw audio never touches the disk. The native
 * sample rate and channel count are kept (the caller enforces its limits on them); use
 * `toMono16k` for the speaker model.
 *
 * Throws `AudioError`: `UNSUPPORTED_CONTAINER`, `INVALID_AUDIO`, `FFMPEG_MISSING` (with the apt
 * command in the message) or `DECODE_FAILED`.
 */
export async function decodeAudio(
  bytes: Uint8Array,
  options: DecodeAudioOptions = {},
): Promise<DecodedAudio> {
  const maxDurationSec = options.maxDurationSec ?? 600;
  switch (detectContainer(bytes)) {
    case 'unknown':
      throw new AudioError(
        'UNSUPPORTED_CONTAINER',
        'audio is not wav, flac, mp3, m4a, webm or ogg',
      );
    case 'wav':
      return decodeWav(bytes);
    case 'mp3':
      return decodeMp3(bytes, maxDurationSec);
    case 'flac':
      return decodeFlac(bytes, maxDurationSec);
    case 'webm':
      return (
        (await decodeWebmOpus(bytes, maxDurationSec, options.opusSampleRate)) ??
        decodeWithFfmpeg(bytes, options)
      );
    case 'm4a':
    case 'ogg':
      return decodeWithFfmpeg(bytes, options);
  }
}
