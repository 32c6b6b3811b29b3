import { deltas, frontEnd } from '../features/frontEnd.js';
import type { MelBand } from '../features/frontEnd.js';

/** What both classical subsystems need from one utterance. */
export interface UtteranceAnalysis {
  /** [mean(c0..c19), std(c0..c19)] over the speech frames, no CMVN (System A). */
  stats: Float64Array;
  /** Speech frames of [c0..c19, deltas] with utterance CMVN, row-major `count x 40` (System B). */
  frames: Float64Array;
  count: number;
  /** Seconds of audio the VAD kept. */
  speechSec: number;
}

const CEPS = 20;
const DIM = 2 * CEPS;
// Below this many speech frames the VAD is not trusted and every frame is used.
const MIN_SPEECH_FRAMES = 25;

/** Runs the front end and gathers the VAD-selected statistics of one 16 kHz mono utterance. */
export function analyseUtterance(pcm: Float32Array, band?: MelBand): UtteranceAnalysis {
  const fe = frontEnd(pcm, band);
  if (fe.frames === 0) throw new RangeError('audio is shorter than one 25 ms frame');
  const d = deltas(fe.mfcc, fe.frames, CEPS);
  let kept = 0;
  for (let t = 0; t < fe.frames; t++) kept += fe.speech[t]!;
  const useAll = kept < Math.min(MIN_SPEECH_FRAMES, fe.frames);
  const count = useAll ? fe.frames : kept;
  const frames = new Float64Array(count * DIM);
  let row = 0;
  for (let t = 0; t < fe.frames; t++) {
    if (!useAll && fe.speech[t] === 0) continue;
    for (let j = 0; j < CEPS; j++) {
      frames[row * DIM + j] = fe.mfcc[t * CEPS + j]!;
      frames[row * DIM + CEPS + j] = d[t * CEPS + j]!;
    }
    row++;
  }
  const stats = new Float64Array(DIM);
  const mean = new Float64Array(DIM);
  const sq = new Float64Array(DIM);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < DIM; j++) {
      const v = frames[r * DIM + j]!;
      mean[j] = mean[j]! + v / count;
      sq[j] = sq[j]! + (v * v) / count;
    }
  }
  for (let j = 0; j < CEPS; j++) {
    stats[j] = mean[j]!;
    stats[CEPS + j] = Math.sqrt(Math.max(sq[j]! - mean[j]! * mean[j]!, 0));
  }
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < DIM; j++) {
      const sd = Math.sqrt(Math.max(sq[j]! - mean[j]! * mean[j]!, 1e-10));
      frames[r * DIM + j] = (frames[r * DIM + j]! - mean[j]!) / sd;
    }
  }
  return { stats, frames, count, speechSec: (kept * 160) / 16000 };
}
