import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeyra } from '../helpers/keyraProcess.js';

/*
 * Redis at boot is fail-closed (docs/reliability.md): a server given --redis that does not answer
 * refuses to start, with one line naming the fix and exit code 2, and exits (ioredis used to keep
 * reconnecting, so the failed process hung). At runtime the same outage fails open
 * (e2e/topology/faults.test.ts).
 */
describe('keyra serve with an unreachable Redis', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-redis-boot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start, says why and what to do, and exits 2', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const result = await runKeyra([
      'serve',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--redis',
      `redis://:hunter2@127.0.0.1:${port}`,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`is unreachable (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(result.stderr).toContain('leave out --redis (KEYRA_REDIS_URL)');
    expect(result.stderr).not.toContain('hunter2');
  });
});
