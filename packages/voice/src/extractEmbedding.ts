import type { SpeakerModel } from './speakerModel.js';

/**
 * Computes the speaker embedding of 16 kHz mono audio (see `toMono16k`) with `model`. The result
 * has unit length for the classical model, so `scoreEmbeddings` is a plain dot product and a
 * salted orthogonal projection preserves scores. Throws `RangeError` for audio shorter than one
 * 25 ms frame; callers enforce their own duration limits first.
 */
export function extractEmbedding(
  pcm16kMono: Float32Array,
  model: SpeakerModel,
): Promise<Float32Array> {
  return model.embed(pcm16kMono);
}
