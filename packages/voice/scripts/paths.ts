import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/voice, whether run from scripts/ or from dist/.scripts/scripts/. */
export const PACKAGE_ROOT: string = (() => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/.scripts/') ? resolve(here, '../../..') : resolve(here, '..');
})();

/** shared/voice: `$KEYRA_VOICE_DATA`, else `../shared/voice` relative to the repository root. */
export const VOICE_DATA: string = resolve(
  process.env['KEYRA_VOICE_DATA'] ?? resolve(PACKAGE_ROOT, '../../../shared/voice'),
);

/** Where the committed model lives. */
export const MODEL_FILE: string = resolve(PACKAGE_ROOT, 'model/classical-mfcc-gmm-v1.json');
