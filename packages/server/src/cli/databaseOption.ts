import path from 'node:path';
import type { Storage } from '@keyra/core';
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

/** Runs `fn` on the command's database, migrated to the current schema, and closes it after. */
export async function withStorage<T>(
  flag: string | undefined,
  fn: (storage: Storage) => Promise<T>,
): Promise<T> {
  const url = resolveDatabaseUrl(flag);
  const { migrateToLatest, openStorage } = await import('@keyra/storage');
  await migrateToLatest(url);
  const storage = await openStorage(url);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
