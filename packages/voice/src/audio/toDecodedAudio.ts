import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';

/**
 * Interleaves the planar output of the WASM decoders into a `DecodedAudio`, refusing empty audio
 * and audio longer than `maxDurationSec` the way the ffmpeg path does. Non-finite samples become 0.
 */
export function toDecodedAudio(
  channelData: readonly Float32Array[],
  frames: number,
  sampleRate: number,
  maxDurationSec: number,
): DecodedAudio {
  const channels = channelData.length;
  if (frames <= 0 || channels === 0)
    throw new AudioError('INVALID_AUDIO', 'the audio has no samples');
  if (!Number.isFinite(sampleRate) || sampleRate <= 0)
    throw new AudioError('INVALID_AUDIO', `sample rate ${sampleRate} is out of range`);
  if (frames / sampleRate > maxDurationSec)
    throw new AudioError('DECODE_FAILED', 'decoded audio is too long');
  const samples = new Float32Array(frames * channels);
  for (let c = 0; c < channels; c++) {
    const plane = channelData[c]!;
    for (let i = 0; i < frames; i++) {
      const v = plane[i] ?? 0;
      samples[i * channels + c] = Number.isFinite(v) ? v : 0;
    }
  }
  return { samples, sampleRate, channels, durationSec: frames / sampleRate };
}
