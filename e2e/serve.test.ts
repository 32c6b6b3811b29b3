import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKeyra } from './helpers/keyraProcess.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-serve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keyra serve', () => {
  it('bootstraps a sandbox key into a 0600 file on first start, never printing the key', async () => {
    const server = await startKeyra([], { cwd: dir });
    const keyFile = path.join(dir, '.keyra', 'sandbox-key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, '.keyra', 'keyra.db')).isFile()).toBe(true);
    expect(server.stderr()).toContain(keyFile);

    const created = await fetch(`${server.url}/v1/challenges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'transfer.approve',
        userId: 'usr_8f2a',
        payload: { amount: 12500 },
      }),
    });
    expect(created.status).toBe(201);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    expect(await server.stop('SIGTERM')).toBe(0);
    const output = server.stdout() + server.stderr();
    expect(output).not.toContain(key);
    expect(output).toContain('shutting down');
    for (const line of server.stdout().split('\n').filter(Boolean))
      expect(() => JSON.parse(line)).not.toThrow();

    // A restart keeps the key and says where it is.
    const again = await startKeyra([], { cwd: dir });
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    expect(again.stderr()).toContain(`Sandbox API key file: ${keyFile}`);
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('finishes in-flight requests on SIGTERM', async () => {
    const server = await startKeyra([], { cwd: dir });
    const key = readFileSync(path.join(dir, '.keyra', 'sandbox-key'), 'utf8').trim();
    const inFlight = Array.from({ length: 20 }, () =>
      fetch(`${server.url}/v1/challenges`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'a.b', userId: 'u' }),
      }).then((res) => res.status),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = server.stop('SIGTERM');
    const statuses = await Promise.allSettled(inFlight);
    expect(await stopped).toBe(0);
    // Requests either completed (201) or were never accepted (connection refused): none failed half-way.
    for (const status of statuses)
      if (status.status === 'fulfilled') expect(status.value).toBe(201);
  });
});
