import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ClassicalSpeakerModel } from './model/classicalSpeakerModel.js';
import type { ModelFile } from './model/modelFile.js';

/** The committed classical model, trained on LibriSpeech train-clean-100 (CC BY 4.0). */
export const DEFAULT_MODEL_PATH: string = fileURLToPath(
  new URL('../model/classical-mfcc-gmm-v1.json', import.meta.url),
);

/**
 * Parses and checks a model file: format and version, and that `paramsSha256` matches the
 * parameters, so a truncated or hand-edited file fails at boot instead of scoring voices
 * wrongly. Throws `Error` (a deployment mistake, not untrusted input).
 */
export function parseModel(text: string): ClassicalSpeakerModel {
  const file = JSON.parse(text) as ModelFile;
  if (
    file.format !== 'keyra-voice-model' ||
    file.version !== 'v1' ||
    file.kind !== 'classical-mfcc-gmm'
  ) {
    throw new Error(
      `not a v1 classical KEYRA voice model (format ${String(file.format)}, version ${String(file.version)})`,
    );
  }
  const sha = createHash('sha256').update(JSON.stringify(file.params)).digest('hex');
  if (sha !== file.paramsSha256)
    throw new Error(`voice model parameters do not match their sha256 (${sha})`);
  return new ClassicalSpeakerModel(file);
}

const cache = new Map<string, Promise<ClassicalSpeakerModel>>();

/**
 * Loads a model file once per path (default: the committed model) and returns the shared
 * instance; later calls with the same path reuse it.
 */
export function loadModel(path: string = DEFAULT_MODEL_PATH): Promise<ClassicalSpeakerModel> {
  let model = cache.get(path);
  if (!model) {
    model = readFile(path, 'utf8').then(parseModel);
    model.catch(() => cache.delete(path));
    cache.set(path, model);
  }
  return model;
}
