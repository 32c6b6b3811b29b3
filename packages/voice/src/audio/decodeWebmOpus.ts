import { ALL_FORMATS, BufferSource, EncodedPacketSink, Input } from 'mediabunny';
import { OpusDecoder } from 'opus-decoder';
import { AudioError } from './audioError.js';
import type { OpusSampleRate } from './decodeAudio.js';
import type { DecodedAudio } from './decodedAudio.js';
import { toDecodedAudio } from './toDecodedAudio.js';

/**
 * Decodes the first audio track of a WebM/Matroska file in process when it is Opus (what
 * browsers' MediaRecorder writes): `mediabunny` demuxes the packets and libopus compiled to
 * WebAssembly (`opus-decoder`) decodes them at `sampleRate` (48 kHz unless asked otherwise),
 * dropping the `OpusHead` pre-skip (counted at 48 kHz, so scaled to the output rate).
 * ffmpeg's own Opus decoder differs from libopus by a few dB of SNR and also honours Matroska
 * `DiscardPadding`, so the result can be up to one Opus frame (20 ms) longer than ffmpeg's.
 *
 * Returns `null` when the file holds no Opus track or cannot be demuxed here, so the caller can
 * hand it to ffmpeg; throws `AudioError` (`INVALID_AUDIO`, or `DECODE_FAILED` past
 * `maxDurationSec`) when the Opus packets themselves do not decode.
 */
export async function decodeWebmOpus(
  bytes: Uint8Array,
  maxDurationSec: number,
  sampleRate: OpusSampleRate = 48_000,
): Promise<DecodedAudio | null> {
  const demuxed = await demuxOpus(bytes);
  if (!demuxed) return null;
  const { head, packets } = demuxed;
  const decoder = new OpusDecoder({
    channels: head.channels,
    sampleRate,
    // The wrapper drops this many output samples; RFC 7845 counts pre-skip at 48 kHz.
    preSkip: Math.round((head.preSkip * sampleRate) / 48_000),
    ...(head.mapping
      ? {
          streamCount: head.mapping.streamCount,
          coupledStreamCount: head.mapping.coupledStreamCount,
          channelMappingTable: head.mapping.table,
        }
      : {}),
  });
  try {
    await decoder.ready;
    const { channelData, samplesDecoded, sampleRate, errors } = decoder.decodeFrames(packets);
    if (errors.length > 0 || samplesDecoded === 0) {
      throw new AudioError(
        'INVALID_AUDIO',
        `the Opus packets could not be decoded${errors[0] ? `: ${errors[0].message}` : ''}`,
      );
    }
    return toDecodedAudio(channelData, samplesDecoded, sampleRate, maxDurationSec);
  } finally {
    decoder.free();
  }
}

interface OpusHead {
  channels: number;
  preSkip: number;
  mapping: { streamCount: number; coupledStreamCount: number; table: number[] } | null;
}

async function demuxOpus(
  bytes: Uint8Array,
): Promise<{ head: OpusHead; packets: Uint8Array[] } | null> {
  const input = new Input({ source: new BufferSource(bytes), formats: ALL_FORMATS });
  try {
    const track = await input.getPrimaryAudioTrack();
    if (!track || track.codec !== 'opus') return null;
    const config = await track.getDecoderConfig();
    const head = parseOpusHead(config?.description);
    if (!head) return null;
    const packets: Uint8Array[] = [];
    for await (const packet of new EncodedPacketSink(track).packets()) packets.push(packet.data);
    return { head, packets };
  } catch {
    // mediabunny's parse errors: let ffmpeg decide whether the file is usable.
    return null;
  } finally {
    input.dispose();
  }
}

/** RFC 7845 §5.1 identification header, as Matroska's CodecPrivate carries it. */
function parseOpusHead(
  description: ArrayBufferLike | ArrayBufferView | undefined,
): OpusHead | null {
  if (!description) return null;
  const bytes = ArrayBuffer.isView(description)
    ? new Uint8Array(description.buffer, description.byteOffset, description.byteLength)
    : new Uint8Array(description);
  const magic = String.fromCharCode(...bytes.subarray(0, 8));
  if (bytes.length < 19 || magic !== 'OpusHead') return null;
  const channels = bytes[9]!;
  const preSkip = bytes[10]! | (bytes[11]! << 8);
  if (channels === 0) return null;
  if (bytes[18] === 0) return channels <= 2 ? { channels, preSkip, mapping: null } : null;
  if (bytes.length < 21 + channels) return null;
  return {
    channels,
    preSkip,
    mapping: {
      streamCount: bytes[19]!,
      coupledStreamCount: bytes[20]!,
      table: Array.from(bytes.subarray(21, 21 + channels)),
    },
  };
}
