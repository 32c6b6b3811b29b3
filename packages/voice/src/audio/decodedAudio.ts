/** PCM audio as decoded, before any resampling. */
export interface DecodedAudio {
  /** Interleaved samples in [-1, 1], `frames * channels` long. */
  samples: Float32Array;
  sampleRate: number;
  channels: number;
  durationSec: number;
}
