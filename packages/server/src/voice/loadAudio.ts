import { createHash } from 'node:crypto';
import { isKeyraError, KeyraError, VOICE_LIMITS } from '@keyra/core';
import { AudioError, detectContainer, type DecodedAudio } from '@keyra/voice';
import { safeFetch, SafeFetchError, type ResolveHost } from '../net/safeFetch.js';
import type { VoiceEngine } from './createVoiceEngine.js';

/** Where the recording comes from: exactly one of the two fields. */
export interface AudioSource {
  audioUrl?: string | undefined;
  audioBase64?: string | undefined;
}

export interface LoadedAudio {
  bytes: Uint8Array;
  bytesSha256: string;
  decoded: DecodedAudio;
}

export interface LoadAudioOptions {
  dev: boolean;
  resolveHost?: ResolveHost | undefined;
}

const FETCH_TIMEOUT_MS = 10_000;
const ACCEPTED = new Set(['wav', 'mp3', 'm4a', 'webm']);

/** Base64 (standard or URL-safe, padding optional, whitespace ignored; a `data:` prefix allowed). */
function decodeBase64(text: string): Uint8Array {
  const body = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(body) || body.length % 4 === 1) {
    throw new KeyraError('INVALID_AUDIO_BASE64', 'audioBase64 is not valid base64.');
  }
  if (Math.floor((body.length * 3) / 4) > VOICE_LIMITS.audioMaxBytes + 2) {
    throw new KeyraError('AUDIO_TOO_LARGE', 'The audio is larger than 5 MiB.');
  }
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length > VOICE_LIMITS.audioMaxBytes)
    throw new KeyraError('AUDIO_TOO_LARGE', 'The audio is larger than 5 MiB.');
  return bytes;
}

async function fetchAudio(url: string, options: LoadAudioOptions): Promise<Uint8Array> {
  try {
    const response = await safeFetch(url, {
      allowHttp: options.dev,
      allowLoopback: options.dev,
      maxBytes: VOICE_LIMITS.audioMaxBytes,
      timeoutMs: FETCH_TIMEOUT_MS,
      maxRedirects: 3,
      headers: { accept: 'audio/*' },
      ...(options.resolveHost ? { resolve: options.resolveHost } : {}),
    });
    if (response.status < 200 || response.status >= 300) {
      throw new KeyraError(
        'AUDIO_FETCH_FAILED',
        `audioUrl answered HTTP ${response.status}; it must answer 200 with the recording.`,
      );
    }
    return response.body;
  } catch (error) {
    if (!(error instanceof SafeFetchError)) throw error;
    switch (error.reason) {
      case 'invalid_url':
        throw new KeyraError(
          'INVALID_AUDIO_URL',
          `audioUrl is not acceptable: ${error.message}.${options.dev ? '' : ' Use a public or signed https:// URL.'}`,
          { cause: error },
        );
      case 'blocked':
        throw new KeyraError(
          'AUDIO_URL_BLOCKED',
          `audioUrl points at a non-public address (${error.message}); only public hosts are fetched.`,
          { cause: error },
        );
      case 'too_large':
        throw new KeyraError('AUDIO_TOO_LARGE', 'The audio at audioUrl is larger than 5 MiB.', {
          cause: error,
        });
      case 'timeout':
        throw new KeyraError(
          'AUDIO_FETCH_FAILED',
          `audioUrl did not deliver the recording within ${FETCH_TIMEOUT_MS / 1000} s.`,
          { cause: error },
        );
      default:
        throw new KeyraError(
          'AUDIO_FETCH_FAILED',
          `audioUrl could not be fetched: ${error.message}.`,
          {
            cause: error,
          },
        );
    }
  }
}

/** The recording's bytes from `audioUrl` or `audioBase64`, in memory only. */
export async function loadAudioBytes(
  source: AudioSource,
  options: LoadAudioOptions,
): Promise<Uint8Array> {
  const hasUrl = source.audioUrl !== undefined;
  const hasBase64 = source.audioBase64 !== undefined;
  if (hasUrl === hasBase64) {
    throw new KeyraError(
      'validation_failed',
      hasUrl
        ? 'Send either audioUrl or audioBase64, not both.'
        : 'Send the recording as audioUrl (https) or audioBase64.',
      { details: [{ field: 'audioUrl', issue: hasUrl ? 'oneOf' : 'required' }] },
    );
  }
  return hasUrl ? fetchAudio(source.audioUrl!, options) : decodeBase64(source.audioBase64!);
}

/**
 * Checks the container (m4a, mp3, wav, webm, by content), decodes in memory, and enforces
 * 16-48 kHz and 1-15 s with their specific codes. A missing ffmpeg is a 502 naming the package.
 */
export async function decodeRecording(
  bytes: Uint8Array,
  engine: Pick<VoiceEngine, 'decode'>,
): Promise<LoadedAudio> {
  const container = detectContainer(bytes);
  if (!ACCEPTED.has(container)) {
    throw new KeyraError(
      'UNSUPPORTED_AUDIO_FORMAT',
      `The audio is ${container === 'unknown' ? 'not a recognised format' : container}; send m4a, mp3, wav or webm.`,
    );
  }
  let decoded: DecodedAudio;
  try {
    decoded = await engine.decode(bytes);
  } catch (error) {
    if (isKeyraError(error)) throw error;
    // Not the audio's fault (the decoding worker died, the model could not load): retry.
    if (!(error instanceof AudioError)) {
      throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Decoding the audio failed; retry.', {
        cause: error,
      });
    }
    switch (error.code) {
      case 'UNSUPPORTED_CONTAINER':
        throw new KeyraError('UNSUPPORTED_AUDIO_FORMAT', 'Send m4a, mp3, wav or webm audio.');
      case 'INVALID_AUDIO':
        throw new KeyraError('INVALID_AUDIO', `The ${container} audio could not be decoded.`, {
          cause: error,
        });
      case 'FFMPEG_MISSING':
        throw new KeyraError(
          'SPEECH_UNAVAILABLE',
          `Decoding ${container} needs ffmpeg, which is not installed on this server. Install it with: apt-get install -y ffmpeg`,
          { cause: error },
        );
      default:
        if (/too long/.test(error.message))
          throw new KeyraError('AUDIO_TOO_LONG', 'The audio is longer than 15 s.');
        throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Decoding the audio failed; retry.', {
          cause: error,
        });
    }
  }
  if (
    decoded.sampleRate < VOICE_LIMITS.minSampleRate ||
    decoded.sampleRate > VOICE_LIMITS.maxSampleRate
  ) {
    throw new KeyraError(
      'SAMPLE_RATE_OUT_OF_RANGE',
      `The audio is sampled at ${decoded.sampleRate} Hz; send 16-48 kHz.`,
      { details: { sample_rate: decoded.sampleRate } },
    );
  }
  if (decoded.durationSec < VOICE_LIMITS.minDurationSec) {
    throw new KeyraError(
      'AUDIO_TOO_SHORT',
      `The audio lasts ${decoded.durationSec.toFixed(2)} s; send at least ${VOICE_LIMITS.minDurationSec} s.`,
      { details: { duration_seconds: Number(decoded.durationSec.toFixed(3)) } },
    );
  }
  if (decoded.durationSec > VOICE_LIMITS.maxDurationSec) {
    throw new KeyraError(
      'AUDIO_TOO_LONG',
      `The audio lasts ${decoded.durationSec.toFixed(1)} s; send at most ${VOICE_LIMITS.maxDurationSec} s (1-5 s recommended).`,
      { details: { duration_seconds: Number(decoded.durationSec.toFixed(3)) } },
    );
  }
  return {
    bytes,
    bytesSha256: createHash('sha256').update(bytes).digest('hex'),
    decoded,
  };
}
