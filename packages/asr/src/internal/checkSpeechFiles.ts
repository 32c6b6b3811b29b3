import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { SPEECH_PACKAGES } from '../SpeechUnavailableError.js';
import { ACOUSTIC_MODEL_FILES, type SpeechPaths } from './speechPaths.js';

/** A model file that is missing or unreadable, and the package that ships it. */
export interface MissingSpeechFile {
  path: string;
  package: string;
  problem: string;
}

/** Checks that the acoustic model files and the dictionary can be read. */
export async function checkSpeechFiles(paths: SpeechPaths): Promise<MissingSpeechFile[]> {
  const modelPackage = SPEECH_PACKAGES[2]!;
  const files = [
    ...ACOUSTIC_MODEL_FILES.map((f) => join(paths.acousticModel, f)),
    paths.dictionary,
  ];
  const missing: MissingSpeechFile[] = [];
  for (const path of files) {
    try {
      await access(path, constants.R_OK);
    } catch {
      missing.push({ path, package: modelPackage, problem: `${path} is missing or unreadable` });
    }
  }
  return missing;
}
