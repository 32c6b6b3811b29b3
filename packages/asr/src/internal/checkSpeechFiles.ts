import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { SPEECH_PACKAGES } from '../speechUnavailableError.js';
import { ACOUSTIC_MODEL_FILES, type SpeechPaths } from './speechPaths.js';

/** A model path that is missing or unreadable, and the package that ships it. */
export interface MissingSpeechFile {
  path: string;
  package: string;
  problem: string;
}

/** Checks that the acoustic model files and the dictionary can be read. */
export async function checkSpeechFiles(paths: SpeechPaths): Promise<MissingSpeechFile[]> {
  const modelPackage = SPEECH_PACKAGES[2]!;
  const unreadable = (path: string): Promise<boolean> =>
    access(path, constants.R_OK).then(
      () => false,
      () => true,
    );
  const missing: MissingSpeechFile[] = [];
  const absent: string[] = [];
  for (const file of ACOUSTIC_MODEL_FILES) {
    if (await unreadable(join(paths.acousticModel, file))) absent.push(file);
  }
  if (absent.length > 0) {
    missing.push({
      path: paths.acousticModel,
      package: modelPackage,
      problem: `acoustic model ${paths.acousticModel} lacks ${absent.join(', ')}`,
    });
  }
  if (await unreadable(paths.dictionary)) {
    missing.push({
      path: paths.dictionary,
      package: modelPackage,
      problem: `dictionary ${paths.dictionary} is missing or unreadable`,
    });
  }
  return missing;
}
