import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '@keyra/storage';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { runKeyra, startKeyra, waitFor, type KeyraServer } from './helpers/keyraProcess.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-serve-'));
const started: KeyraServer[] = [];
async function start(): Promise<KeyraServer> {
  const server = await startKeyra([], { cwd: dir });
  started.push(server);
  return server;
}
afterAll(async () => {
  // Stops whatever a failed assertion left running.
  await Promise.all(started.map((server) => server.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

describe('keyra serve', () => {
  it('signs and stamps audit checkpoints on its own schedule (KEYRA_AUDIT_CHECKPOINT_SECONDS)', async () => {
    const own = mkdtempSync(path.join(os.tmpdir(), 'keyra-checkpoints-'));
    const server = await startKeyra([], {
      cwd: own,
      env: { KEYRA_AUDIT_CHECKPOINT_SECONDS: '1' },
    });
    started.push(server);
    try {
      const key = readFileSync(path.join(own, '.keyra', 'sandbox-key'), 'utf8').trim();
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await fetch(`${server.url}/v1/challenges`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ action: 'deploy.approve', userId: 'usr_1' }),
      });
      expect(created.status).toBe(201);
      let checkpoints: { seq: number; stampId: string | null }[] = [];
      for (let i = 0; i < 150 && checkpoints.length === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const listed = await fetch(`${server.url}/v1/audit/checkpoints`, { headers });
        checkpoints = ((await listed.json()) as { data: typeof checkpoints }).data;
      }
      expect(checkpoints[0]?.seq).toBeGreaterThan(0);
      const stamp = await fetch(`${server.url}/v1/stamps/${checkpoints[0]!.stampId}`);
      expect(stamp.status).toBe(200);
      expect(((await stamp.json()) as { method: string }).method).toBe('audit_checkpoint');
      expect(await server.stop('SIGTERM')).toBe(0);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('bootstraps a sandbox key into a 0600 file on first start, never printing the key', async () => {
    const server = await start();
    const keyFile = path.join(dir, '.keyra', 'sandbox-key');
    const key = readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, '.keyra', 'keyra.db')).isFile()).toBe(true);
    await waitFor(() => server.stderr().includes(keyFile));
    // Passkeys refuse IP addresses: the banner gives the console on localhost.
    expect(server.stderr()).toContain(
      `Console: http://localhost:${new URL(server.url).port}/console`,
    );

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
    const again = await start();
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(key);
    await waitFor(() => again.stderr().includes(`Sandbox API key file: ${keyFile}`));
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('runs on an in-memory SQLite database (migrated through its own connection)', async () => {
    const memoryDir = mkdtempSync(path.join(os.tmpdir(), 'keyra-serve-memory-'));
    const server = await startKeyra(['--database', 'sqlite::memory:'], { cwd: memoryDir });
    started.push(server);
    const key = readFileSync(path.join(memoryDir, '.keyra', 'sandbox-key'), 'utf8').trim();
    const created = await fetch(`${server.url}/v1/challenges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'a.b', userId: 'usr_1' }),
    });
    expect(created.status).toBe(201);
    await server.stop();
    rmSync(memoryDir, { recursive: true, force: true });
  }, 90_000);

  it('a busy port or a database path it cannot create: one line with the fix, exit code 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const busy = await runKeyra(['serve', '--port', String(port)], { cwd: dir });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`keyra: 127.0.0.1:${port} is already in use`);
      expect(busy.stderr).toContain('--port or KEYRA_PORT');
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
    // A regular file where the database's directory should be.
    const blocker = path.join(dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const database = `sqlite:${path.join(blocker, 'keyra.db')}`;
    const unopenable = await runKeyra(['serve', '--port', '0', '--database', database], {
      cwd: dir,
    });
    expect(unopenable.code).toBe(2);
    expect(unopenable.stderr).toMatch(
      /Cannot create or open the SQLite database .*--database sqlite:PATH/,
    );
  }, 90_000);

  it('finishes in-flight requests on SIGTERM', async () => {
    const server = await start();
    const key = readFileSync(path.join(dir, '.keyra', 'sandbox-key'), 'utf8').trim();
    const post = (): Promise<number> =>
      fetch(`${server.url}/v1/challenges`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'a.b', userId: 'u' }),
      }).then((res) => res.status);
    expect(await post()).toBe(201);
    const inFlight = [Promise.resolve(201), ...Array.from({ length: 30 }, () => post())];
    const stopped = server.stop('SIGTERM');
    const settled = await Promise.allSettled(inFlight);
    expect(await stopped).toBe(0);
    // Each request either completed (201), was turned away whole (503 service_unavailable) or never
    // connected: none failed half-way, and exactly the 201s were written.
    const created = settled.filter((s) => s.status === 'fulfilled' && s.value === 201).length;
    for (const s of settled) if (s.status === 'fulfilled') expect([201, 503]).toContain(s.value);
    expect(created).toBeGreaterThan(0);
    const storage = await openStorage(`sqlite:${path.join(dir, '.keyra', 'keyra.db')}`);
    const tenant = await storage.tenants.findByName('default');
    const rows = await storage.challenges.list(
      { tenantId: tenant!.id, environment: 'sandbox' },
      { action: 'a.b' },
      100,
    );
    await storage.close();
    expect(rows).toHaveLength(created);
  });

  it('keeps answering when nobody reads its log output', async () => {
    const server = await start();
    // Stop reading stdout: the pipe (64 KiB on Linux) fills after a few hundred request lines. A
    // synchronous log write would then block the event loop until someone reads.
    server.process.stdout!.pause();
    const deadline = Date.now() + 30_000;
    let answered = 0;
    for (let batch = 0; batch < 20; batch += 1) {
      const statuses = await Promise.all(
        Array.from({ length: 50 }, () => fetch(`${server.url}/healthz`).then((res) => res.status)),
      );
      answered += statuses.filter((status) => status === 200).length;
      expect(Date.now()).toBeLessThan(deadline);
    }
    // 1,000 request lines of ~200 bytes each: three times what the pipe holds.
    expect(answered).toBe(1000);
    server.process.stdout!.resume();
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 60_000);
});
