import { MPEGDecoder } from 'mpg123-decoder';
import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';
import { toDecodedAudio } from './toDecodedAudio.js';

/**
 * Decodes MPEG audio (layer I/II/III, an mp3 file with or without ID3 tags) in process with
 * mpg123 compiled to WebAssembly (`mpg123-decoder`), gapless like ffmpeg: the encoder delay and
 * padding from a LAME/Xing header are trimmed. mpg123 always outputs two channels; a mono stream
 * (channel mode 3 in the first frame header) is returned as one. Throws `AudioError`
 * (`INVALID_AUDIO`, or `DECODE_FAILED` past `maxDurationSec`).
 */
export async function decodeMp3(bytes: Uint8Array, maxDurationSec: number): Promise<DecodedAudio> {
  const decoder = new MPEGDecoder();
  try {
    await decoder.ready;
    const { channelData, samplesDecoded, sampleRate, errors } = decoder.decode(bytes);
    if (samplesDecoded === 0) {
      throw new AudioError(
        'INVALID_AUDIO',
        `no MPEG audio frames could be decoded${errors[0] ? `: ${errors[0].message}` : ''}`,
      );
    }
    const planes = isMono(bytes) ? channelData.slice(0, 1) : channelData;
    return toDecodedAudio(planes, samplesDecoded, sampleRate, maxDurationSec);
  } finally {
    decoder.free();
  }
}

/** Whether the first MPEG audio frame header (after any ID3v2 tag) says single channel. */
function isMono(bytes: Uint8Array): boolean {
  let offset = 0;
  if (bytes[0] === 0x49 && bytes[1] === 0x44 && bytes[2] === 0x33 && bytes.length >= 10) {
    // ID3v2: 10-byte header, a syncsafe size, and a 10-byte footer when flag bit 4 is set.
    const size = (bytes[6]! << 21) | (bytes[7]! << 14) | (bytes[8]! << 7) | bytes[9]!;
    offset = 10 + size + (bytes[5]! & 0x10 ? 10 : 0);
  }
  for (let i = offset; i + 3 < bytes.length; i++) {
    if (bytes[i] !== 0xff || (bytes[i + 1]! & 0xe0) !== 0xe0) continue;
    const version = (bytes[i + 1]! >> 3) & 3;
    const layer = (bytes[i + 1]! >> 1) & 3;
    const bitrate = bytes[i + 2]! >> 4;
    const rate = (bytes[i + 2]! >> 2) & 3;
    if (version === 1 || layer === 0 || bitrate === 15 || rate === 3) continue;
    return bytes[i + 3]! >> 6 === 3;
  }
  return false;
}
