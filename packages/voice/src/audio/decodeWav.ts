import { AudioError } from './audioError.js';
import type { DecodedAudio } from './decodedAudio.js';

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

/**
 * Decodes a RIFF/WAVE file in process: integer PCM of 8 (unsigned), 16, 24 or 32 bits, IEEE float
 * of 32 or 64 bits, any channel count and sample rate, including WAVE_FORMAT_EXTENSIBLE.
 * Samples come back interleaved and scaled to [-1, 1]. A data chunk whose declared size runs past
 * the end (streamed recordings) is read up to the last whole frame. Throws `AudioError`
 * (`INVALID_AUDIO`) for anything malformed.
 */
export function decodeWav(bytes: Uint8Array): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (offset: number): string =>
    String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') {
    throw new AudioError('INVALID_AUDIO', 'not a RIFF/WAVE file');
  }
  let format: { code: number; channels: number; rate: number; bits: number; align: number } | null =
    null;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length)
        throw new AudioError('INVALID_AUDIO', 'WAV fmt chunk is too short');
      let code = view.getUint16(body, true);
      if (code === FORMAT_EXTENSIBLE) {
        if (size < 40 || body + 26 > bytes.length)
          throw new AudioError('INVALID_AUDIO', 'WAV extensible fmt chunk is too short');
        // The sub-format GUID starts with the plain format code.
        code = view.getUint16(body + 24, true);
      }
      format = {
        code,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        align: view.getUint16(body + 12, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!format) throw new AudioError('INVALID_AUDIO', 'WAV data chunk comes before fmt');
      return decodeData(view, body, Math.min(size, bytes.length - body), format);
    }
    offset = body + size + (size & 1);
  }
  throw new AudioError(
    'INVALID_AUDIO',
    format ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk',
  );
}

function decodeData(
  view: DataView,
  start: number,
  length: number,
  format: { code: number; channels: number; rate: number; bits: number; align: number },
): DecodedAudio {
  const { code, channels, rate, bits } = format;
  if (channels < 1 || channels > 32)
    throw new AudioError('INVALID_AUDIO', `WAV has ${channels} channels`);
  if (rate < 1 || rate > 768_000)
    throw new AudioError('INVALID_AUDIO', `WAV sample rate ${rate} is out of range`);
  const isFloat = code === FORMAT_FLOAT;
  if (code !== FORMAT_PCM && !isFloat)
    throw new AudioError('INVALID_AUDIO', `WAV format code ${code} is not PCM or float`);
  if (isFloat ? bits !== 32 && bits !== 64 : ![8, 16, 24, 32].includes(bits)) {
    throw new AudioError(
      'INVALID_AUDIO',
      `WAV ${isFloat ? 'float' : 'PCM'} with ${bits} bits is not supported`,
    );
  }
  const bytesPerSample = bits / 8;
  const frameBytes = bytesPerSample * channels;
  const frames = Math.floor(length / frameBytes);
  const samples = new Float32Array(frames * channels);
  for (let i = 0, p = start; i < samples.length; i++, p += bytesPerSample) {
    let v: number;
    if (isFloat) v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
    else if (bits === 8) v = (view.getUint8(p) - 128) / 128;
    else if (bits === 16) v = view.getInt16(p, true) / 32768;
    else if (bits === 24)
      v = (view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16)) / 8388608;
    else v = view.getInt32(p, true) / 2147483648;
    // NaN or infinity in a float WAV would poison every later sum.
    samples[i] = Number.isFinite(v) ? v : 0;
  }
  return { samples, sampleRate: rate, channels, durationSec: frames / rate };
}
