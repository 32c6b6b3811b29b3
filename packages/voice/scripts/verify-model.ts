/**
 * Retrains from the data and checks the result is byte-identical to the committed model.
 * Exit code 0 when it is, 1 when it differs.
 *
 *   npx tsc -p packages/voice/tsconfig.scripts.json && node packages/voice/dist/.scripts/scripts/verify-model.js
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { trainModel } from '../src/trainModel.js';
import { MODEL_FILE, VOICE_DATA } from './paths.js';

const started = Date.now();
const committed = await readFile(MODEL_FILE, 'utf8');
const { json } = await trainModel({
  dataDir: resolve(VOICE_DATA, 'librispeech_train-clean-100'),
  extraDir: resolve(VOICE_DATA, 'train-extra'),
  seed: 1,
});
const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (json === committed) {
  process.stderr.write(`retrained model is byte-identical to ${MODEL_FILE} (${seconds} s)\n`);
} else {
  process.stderr.write(`retrained model differs from ${MODEL_FILE} (${seconds} s)\n`);
  process.exitCode = 1;
}
