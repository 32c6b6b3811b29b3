/** Why audio could not be turned into samples. */
export type AudioErrorCode =
  /** The bytes are not a container this package recognises. */
  | 'UNSUPPORTED_CONTAINER'
  /** The container was recognised but its content is malformed or uses an unsupported codec. */
  | 'INVALID_AUDIO'
  /** Decoding needs the `ffmpeg` binary (Debian package `ffmpeg`) and it is not installed. */
  | 'FFMPEG_MISSING'
  /** ffmpeg ran but failed, timed out or produced too much output. */
  | 'DECODE_FAILED';

/**
 * Error thrown by the decoders. Untrusted input yields one of these, never a bare `Error`, so the
 * server can map `code` to its own coded errors (a 400 for bad audio, a 502 when ffmpeg is
 * missing or fails).
 */
export class AudioError extends Error {
  override readonly name = 'AudioError';
  readonly code: AudioErrorCode;

  constructor(code: AudioErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
