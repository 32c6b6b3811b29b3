// Times decoding one m4a (AAC, the one format still decoded by ffmpeg) with and without the warm
// ffmpeg pool, in the same run: `npm run build && node scripts/bench-m4a-decode.mjs [FILE]`.
// Each mode runs in its own process (the pool size is read at start), 12 decodes 150 ms apart.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const file =
  process.argv[2] ??
  fileURLToPath(new URL('../../shared/voice/phrases/m4a/flite_slt_01.m4a', import.meta.url));

if (process.env.BENCH_CHILD) {
  const { decodeWithFfmpeg } = await import('../packages/voice/dist/audio/decodeWithFfmpeg.js');
  const bytes = readFileSync(file);
  const times = [];
  let seconds = 0;
  for (let i = 0; i < 12; i++) {
    const start = performance.now();
    seconds = (await decodeWithFfmpeg(bytes, {})).durationSec;
    times.push(performance.now() - start);
    await new Promise((done) => setTimeout(done, 150));
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ seconds, median: times[6], min: times[0] }));
} else {
  const load = loadavg()[0].toFixed(2);
  const run = (warm) =>
    JSON.parse(
      spawnSync(process.execPath, [fileURLToPath(import.meta.url), file], {
        env: { ...process.env, BENCH_CHILD: '1', KEYRA_FFMPEG_WARM: warm },
        encoding: 'utf8',
      }).stdout,
    );
  const cold = run('0');
  const warm = run('2');
  console.log(`file ${file} (${cold.seconds.toFixed(2)} s), 1-minute load average ${load}`);
  console.log(`pool off: median ${cold.median.toFixed(1)} ms, min ${cold.min.toFixed(1)} ms`);
  console.log(`pool on:  median ${warm.median.toFixed(1)} ms, min ${warm.min.toFixed(1)} ms`);
  console.log(`ratio (on / off, median): ${(warm.median / cold.median).toFixed(2)}`);
}
