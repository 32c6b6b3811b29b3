import path from 'node:path';
import { normalizeDatabaseUrl } from '../config.js';

export const DATABASE_OPTION_HELP =
  'sqlite:PATH or postgres://… (env KEYRA_DATABASE_URL; default sqlite:.keyra/keyra.db)';

/** The database a CLI command works on: the flag, then KEYRA_DATABASE_URL, then the default file. */
export function resolveDatabaseUrl(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const dataDir = path.resolve(env.KEYRA_DATA_DIR ?? '.keyra');
  return normalizeDatabaseUrl(
    flag ?? env.KEYRA_DATABASE_URL ?? `sqlite:${path.join(dataDir, 'keyra.db')}`,
    process.cwd(),
  );
}
