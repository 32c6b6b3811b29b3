import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config.js';

export interface ServerSecret {
  value: Buffer;
  /** Where it came from, for the boot log (never the value). */
  source: 'env' | 'file' | 'generated';
}

function decode(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const bytes =
    /^[0-9a-f]+$/i.test(trimmed) && trimmed.length % 2 === 0
      ? Buffer.from(trimmed, 'hex')
      : Buffer.from(trimmed, 'base64url');
  if (bytes.length < 32) {
    throw new ConfigError(
      `${origin} must hold at least 32 random bytes (hex or base64url); generate one with: openssl rand -hex 32`,
    );
  }
  return bytes;
}

/**
 * The server secret seals signing keys and other secrets at rest. `KEYRA_SECRET` wins (set the
 * same value on every instance of a cluster); otherwise `DATA_DIR/server-secret` is read, or
 * created with 32 random bytes and mode 0600 on first start.
 */
export async function loadServerSecret(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerSecret> {
  if (env.KEYRA_SECRET) return { value: decode(env.KEYRA_SECRET, 'KEYRA_SECRET'), source: 'env' };
  const file = path.join(dataDir, 'server-secret');
  try {
    return { value: decode(await readFile(file, 'utf8'), file), source: 'file' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const value = randomBytes(32);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // 'wx' fails if another process created it meanwhile; then use theirs.
  try {
    await writeFile(file, `${value.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600);
    return { value, source: 'generated' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: decode(await readFile(file, 'utf8'), file), source: 'file' };
  }
}
