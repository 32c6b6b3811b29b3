import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** shared/voice: `$KEYRA_VOICE_DATA`, else `../shared/voice` relative to the repository root. */
export const VOICE_DATA: string = resolve(
  process.env['KEYRA_VOICE_DATA'] ??
    fileURLToPath(new URL('../../../../shared/voice', import.meta.url)),
);
