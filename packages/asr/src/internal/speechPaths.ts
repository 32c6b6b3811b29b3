import { join } from 'node:path';
import type { SpeechOptions } from '../speechOptions.js';

/** Resolved locations of everything pocketsphinx needs. */
export interface SpeechPaths {
  pocketsphinxLibrary: string;
  sphinxbaseLibrary: string;
  acousticModel: string;
  dictionary: string;
}

export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** Files the decoder reads from the acoustic model directory (a PTM model, as Debian ships). */
export const ACOUSTIC_MODEL_FILES = [
  'mdef',
  'means',
  'variances',
  'transition_matrices',
  'sendump',
  'feat.params',
  'noisedict',
] as const;

export function speechPaths(options: SpeechOptions = {}): SpeechPaths {
  const modelDir = options.modelDir ?? DEFAULT_MODEL_DIR;
  return {
    pocketsphinxLibrary: options.pocketsphinxLibrary ?? 'libpocketsphinx.so.3',
    sphinxbaseLibrary: options.sphinxbaseLibrary ?? 'libsphinxbase.so.3',
    acousticModel: options.acousticModel ?? join(modelDir, 'en-us'),
    dictionary: options.dictionary ?? join(modelDir, 'cmudict-en-us.dict'),
  };
}
