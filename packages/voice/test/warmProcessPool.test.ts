import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createWarmProcessPool, type WarmProcessPool } from '../src/audio/warmProcessPool.js';
import { decodeWithFfmpeg } from '../src/audio/decodeWithFfmpeg.js';
import { VOICE_DATA } from './voiceData.js';

/** Prints the moment it started (ms since the epoch), then echoes its stdin. */
const ECHO = ['-c', 'printf "%s\\n" "$(($(date +%s%N) / 1000000))"; cat'];

function run(child: ChildProcessWithoutNullStreams, input: string): Promise<string[]> {
  return new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('close', () => done(out.trim().split('\n')));
    child.stdin.end(input);
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pool: WarmProcessPool | undefined;
afterEach(() => pool?.drain());

describe('createWarmProcessPool', () => {
  it('hands out a process started before it was asked for, and it works as a fresh one', async () => {
    pool = createWarmProcessPool(2);
    const first = await run(pool.take('sh', ECHO), 'one');
    expect(first[1]).toBe('one');
    await pause(300);
    const asked = Date.now();
    const second = await run(pool.take('sh', ECHO), 'two');
    expect(second[1]).toBe('two');
    expect(Number(second[0])).toBeLessThan(asked - 100);
  });

  it('with size 0 starts each process when asked', async () => {
    pool = createWarmProcessPool(0);
    await run(pool.take('sh', ECHO), 'one');
    await pause(300);
    const asked = Date.now();
    const [started] = await run(pool.take('sh', ECHO), 'two');
    expect(Number(started)).toBeGreaterThanOrEqual(asked - 5);
  });

  it('keeps a missing command an ordinary spawn error, every time, with no stray exception', async () => {
    pool = createWarmProcessPool(2);
    for (let i = 0; i < 3; i++) {
      await expect(run(pool.take('/nonexistent/ffmpeg', []), '')).rejects.toMatchObject({
        code: 'ENOENT',
      });
      await pause(50);
    }
  });

  it('never hands out an idle process that died', async () => {
    pool = createWarmProcessPool(1);
    const script = ['-c', 'read line; echo "$line"'];
    await run(pool.take('sh', script), 'one');
    await pause(200);
    spawnSync('pkill', ['-f', 'read line; echo'], { stdio: 'ignore' });
    await pause(200);
    expect(await run(pool.take('sh', script), 'two')).toEqual(['two']);
  });

  it('does not keep Node running: a process that used the pool exits at once', () => {
    const dist = fileURLToPath(new URL('../dist/audio/warmProcessPool.js', import.meta.url));
    const started = Date.now();
    const result = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { createWarmProcessPool } = await import(${JSON.stringify(dist)});
         const pool = createWarmProcessPool(3);
         const child = pool.take('sh', ['-c', 'cat']);
         child.stdout.on('data', (d) => process.stdout.write(d));
         child.stdin.end('done');`,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    expect(result.stdout).toBe('done');
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe('decodeWithFfmpeg through the warm pool', () => {
  it('decodes one m4a after another to the same samples', async () => {
    const bytes = await readFile(resolve(VOICE_DATA, 'phrases/m4a/flite_slt_01.m4a'));
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await decodeWithFfmpeg(bytes, {}));
    for (const decoded of runs) {
      expect(decoded.sampleRate).toBe(runs[0]!.sampleRate);
      expect(decoded.samples).toEqual(runs[0]!.samples);
    }
    expect(runs[0]!.durationSec).toBeGreaterThan(1);
  });
});
