/**
 * 16-bit PCM for pocketsphinx. Float samples in [-1, 1] are scaled by 32767 and clipped;
 * NaN becomes silence. An Int16Array is returned as is.
 */
export function toInt16(pcm: Int16Array | Float32Array): Int16Array {
  if (pcm instanceof Int16Array) return pcm;
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const sample = pcm[i]!;
    const scaled = Number.isNaN(sample) ? 0 : Math.round(sample * 32767);
    out[i] = scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
  }
  return out;
}
