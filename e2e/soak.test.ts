import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/*
 * The soak run of scripts/soak.mjs (`npm run soak`, 30 minutes by default), shortened to a minute:
 * mixed load on one server, its RSS and open descriptors sampled from /proc. The script's own
 * verdict (bounded RSS growth after warm-up, no fd growth, no 5xx, every decided challenge's
 * webhook received, a clean SIGTERM exit) is what this asserts.
 */

const SCRIPT = fileURLToPath(new URL('../scripts/soak.mjs', import.meta.url));

interface SoakResult {
  passed: boolean;
  failures: string[];
  requests: number;
  decided: number;
  eventsReceived: number;
  byStatus: Record<string, number>;
  samples: [number, number, number][];
}

// The soak reads /proc/PID/status and /proc/PID/fd: Linux only. CI runs on Linux, so it always runs there.
describe.skipIf(process.platform !== 'linux')('soak (short run)', () => {
  it('holds RSS and descriptors steady under a minute of mixed load', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(
          process.execPath,
          [SCRIPT, '--duration', '60s', '--lanes', '2', '--sample', '2', '--json'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      },
    );
    const line = result.stdout.trim().split('\n').at(-1) ?? '';
    expect(line, result.stderr).toMatch(/^\{/);
    const soak = JSON.parse(line) as SoakResult;
    expect(soak.failures).toEqual([]);
    expect(soak.passed).toBe(true);
    expect(result.code).toBe(0);
    expect(soak.samples.length).toBeGreaterThan(20);
    expect(soak.decided).toBeGreaterThan(0);
    expect(soak.eventsReceived).toBe(soak.decided);
    expect(Object.keys(soak.byStatus).every((status) => Number(status) < 500)).toBe(true);
  }, 180_000);
});
