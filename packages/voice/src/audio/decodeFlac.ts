import { FLACDecoder } from '@wasm-audio-decoders/flac';
import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';
import { toDecodedAudio } from './toDecodedAudio.js';

/**
 * Decodes a FLAC file in process with libFLAC compiled to WebAssembly
 * (`@wasm-audio-decoders/flac`): every bit depth and channel count FLAC allows, scaled to [-1, 1].
 * Throws `AudioError` (`INVALID_AUDIO`, or `DECODE_FAILED` past `maxDurationSec`).
 */
export async function decodeFlac(bytes: Uint8Array, maxDurationSec: number): Promise<DecodedAudio> {
  const decoder = new FLACDecoder();
  try {
    await decoder.ready;
    const { channelData, samplesDecoded, sampleRate, errors } = await decoder.decodeFile(bytes);
    if (samplesDecoded === 0) {
      throw new AudioError(
        'INVALID_AUDIO',
        `no FLAC frames could be decoded${errors[0] ? `: ${errors[0].message}` : ''}`,
      );
    }
    return toDecodedAudio(channelData, samplesDecoded, sampleRate, maxDurationSec);
  } finally {
    decoder.free();
  }
}
