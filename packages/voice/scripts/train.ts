/**
 * Retrains the classical voice model and writes it to packages/voice/model/.
 *
 *   npx tsc -p packages/voice/tsconfig.scripts.json
 *   node packages/voice/dist/.scripts/scripts/train.js [--data DIR] [--extra EXTRA] [--out FILE] [--seed N]
 *
 * DIR defaults to $KEYRA_VOICE_DATA/librispeech_train-clean-100, EXTRA to
 * $KEYRA_VOICE_DATA/train-extra (its training speakers are added). Progress goes to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { trainModel } from '../src/trainModel.js';
import { MODEL_FILE, VOICE_DATA } from './paths.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    extra: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
  },
});
const dataDir = resolve(values.data ?? resolve(VOICE_DATA, 'librispeech_train-clean-100'));
const out = resolve(values.out ?? MODEL_FILE);
const started = Date.now();
const { file, json } = await trainModel({
  dataDir,
  extraDir: resolve(values.extra ?? resolve(VOICE_DATA, 'train-extra')),
  seed: Number(values.seed ?? 1),
  onProgress: (stage, detail) =>
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${stage}: ${detail}\n`),
});
await writeFile(out, json);
process.stderr.write(
  `wrote ${out} (${json.length} bytes, ${file.paramsVersion}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
