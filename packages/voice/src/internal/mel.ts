/** HTK mel scale: 2595 log10(1 + f / 700). */
export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/**
 * Triangular filters spaced evenly on the HTK mel scale between `lowHz` and `highHz`, evaluated
 * in the mel domain at each FFT bin's centre frequency (Kaldi's construction). Returns a dense
 * `count x (fftSize / 2 + 1)` row-major weight matrix.
 */
export function melFilterbank(
  count: number,
  fftSize: number,
  sampleRate: number,
  lowHz: number,
  highHz: number,
): Float64Array {
  const bins = fftSize / 2 + 1;
  const weights = new Float64Array(count * bins);
  const lowMel = hzToMel(lowHz);
  const highMel = hzToMel(highHz);
  const delta = (highMel - lowMel) / (count + 1);
  for (let m = 0; m < count; m++) {
    const left = lowMel + m * delta;
    const centre = left + delta;
    const right = centre + delta;
    for (let k = 0; k < bins; k++) {
      const mel = hzToMel((k * sampleRate) / fftSize);
      if (mel <= left || mel >= right) continue;
      weights[m * bins + k] =
        mel <= centre ? (mel - left) / (centre - left) : (right - mel) / (right - centre);
    }
  }
  return weights;
}
