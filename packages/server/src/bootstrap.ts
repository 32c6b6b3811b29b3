import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApiKey, ensureTenant, type Clock, type Storage } from '@keyra/core';

export const DEFAULT_TENANT = 'default';

export interface BootstrapResult {
  /** Where the sandbox key was written this time, or null if the database already had a tenant. */
  keyFile: string | null;
}

/** The file the first-run sandbox key is written to. */
export function sandboxKeyFile(dataDir: string): string {
  return path.join(dataDir, 'sandbox-key');
}

/**
 * First start on an empty database: creates the `default` tenant and a sandbox key, and writes
 * the key to a 0600 file (the key itself never reaches a log). Later starts change nothing.
 */
export async function bootstrapSandbox(
  storage: Storage,
  dataDir: string,
  clock: Clock,
): Promise<BootstrapResult> {
  if ((await storage.tenants.count()) > 0) return { keyFile: null };
  const { tenant, created } = await ensureTenant(storage.tenants, DEFAULT_TENANT, clock.now());
  if (!created) return { keyFile: null };
  const issued = await createApiKey(storage, {
    tenantId: tenant.id,
    environment: 'sandbox',
    audience: tenant.name,
    now: clock.now(),
    actor: 'system',
  });
  const file = sandboxKeyFile(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${issued.secret}\n`, { mode: 0o600 });
  // writeFile's mode only applies when it creates the file.
  await chmod(file, 0o600);
  return { keyFile: file };
}
