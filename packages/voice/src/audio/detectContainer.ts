/** Containers recognised by their magic bytes. */
export type AudioContainer = 'wav' | 'flac' | 'mp3' | 'm4a' | 'webm' | 'ogg' | 'unknown';

/**
 * Identifies the container from its first bytes, never from a file name or a client-supplied
 * MIME type: RIFF....WAVE, `fLaC`, an ID3v2 tag or an MPEG audio frame sync (mp3), an ISO BMFF
 * `ftyp` box (m4a/mp4), the EBML header 1A 45 DF A3 (webm/matroska) and `OggS`.
 */
export function detectContainer(bytes: Uint8Array): AudioContainer {
  const at = (offset: number, text: string): boolean => {
    if (bytes.length < offset + text.length) return false;
    for (let i = 0; i < text.length; i++)
      if (bytes[offset + i] !== text.charCodeAt(i)) return false;
    return true;
  };
  if (at(0, 'RIFF') && at(8, 'WAVE')) return 'wav';
  if (at(0, 'fLaC')) return 'flac';
  if (at(4, 'ftyp')) return 'm4a';
  if (
    bytes.length >= 4 &&
    bytes[0] === 0x1a &&
    bytes[1] === 0x45 &&
    bytes[2] === 0xdf &&
    bytes[3] === 0xa3
  ) {
    return 'webm';
  }
  if (at(0, 'OggS')) return 'ogg';
  if (at(0, 'ID3')) return 'mp3';
  // MPEG audio frame header: 11 sync bits, a valid version, layer III/II/I, and a bitrate index
  // that is neither "free" nor "bad" (which rules out most random bytes and AAC ADTS).
  if (bytes.length >= 4 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) {
    const version = (bytes[1]! >> 3) & 3;
    const layer = (bytes[1]! >> 1) & 3;
    const bitrate = bytes[2]! >> 4;
    const rate = (bytes[2]! >> 2) & 3;
    if (version !== 1 && layer !== 0 && bitrate !== 0 && bitrate !== 15 && rate !== 3) return 'mp3';
  }
  return 'unknown';
}
