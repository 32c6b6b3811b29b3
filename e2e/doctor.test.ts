import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';
import { REDIS_URL, serviceAvailable } from './helpers/services.js';

/*
 * `keyra doctor` against real things: this Node.js, the database, Redis and a running server,
 * then against ones that are not there (a closed port), each named in one line with exit code 2.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-doctor-'));
const database = `sqlite:${path.join(dir, 'doctor.db')}`;
const redisUp = await serviceAvailable(
  'Redis',
  '127.0.0.1',
  Number(new URL(REDIS_URL).port || 6379),
);
let server: KeyraServer;

beforeAll(async () => {
  server = await startKeyra(['--database', database]);
}, 90_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface DoctorReport {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}
const doctor = async (
  ...args: string[]
): Promise<{ code: number | null; report: DoctorReport }> => {
  const run = await runKeyra(['doctor', '--database', database, '--json', ...args], {
    env: { KEYRA_REDIS_URL: '', KEYRA_BASE_URL: '' },
  });
  return { code: run.code, report: JSON.parse(run.stdout) as DoctorReport };
};
const check = (report: DoctorReport, name: string) => report.checks.find((c) => c.name === name);

describe.skipIf(!redisUp)('keyra doctor', () => {
  it('checks Node.js, the database, Redis and the running server', async () => {
    const { report } = await doctor('--redis', REDIS_URL, '--url', server.url);
    expect(check(report, 'node')).toMatchObject({ ok: true, detail: `v${process.versions.node}` });
    expect(check(report, 'database')).toMatchObject({ ok: true });
    expect(check(report, 'redis')).toMatchObject({ ok: true });
    expect(check(report, 'server')).toMatchObject({
      ok: true,
      detail: `${server.url}: /healthz and /readyz ok`,
    });
  }, 60_000);

  it('names what is unreachable and exits 2; Redis and the server are skipped when not asked for', async () => {
    // A port nothing listens on (fetch refuses well-known ports such as 1 before connecting).
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const closed = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { code, report } = await doctor(
      '--redis',
      `redis://127.0.0.1:${closed}`,
      '--url',
      `http://127.0.0.1:${closed}`,
    );
    expect(code).toBe(2);
    expect(check(report, 'redis')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
    expect(check(report, 'server')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/ECONNREFUSED/),
    });
    const plain = await doctor();
    expect(check(plain.report, 'redis')).toBeUndefined();
    expect(check(plain.report, 'server')).toBeUndefined();
  }, 60_000);
});
