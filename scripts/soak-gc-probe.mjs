// Preloaded into the server by scripts/soak.mjs only (`node --expose-gc --import <this file>`),
// never part of the product: on SIGUSR2 it runs a full garbage collection and appends the
// process's memory use right after it, a JSON line, to $KEYRA_SOAK_PROBE_FILE. Live memory after
// a full collection is what a leak grows; resident memory sampled between collections mostly
// shows when V8 last collected, since V8 lets garbage pile up to a limit it raises with the
// allocation rate before it compacts.
import { appendFileSync } from 'node:fs';

const file = process.env.KEYRA_SOAK_PROBE_FILE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGUSR2', () => {
    // Twice: the first collection frees the garbage, but V8 returns the freed pages to the
    // system only once their sweeping is done, which the second one finishes (one call alone
    // left RSS hundreds of MB high for seconds after it).
    globalThis.gc();
    globalThis.gc();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ at: Date.now(), rss, heapUsed, heapTotal, external, arrayBuffers })}\n`,
    );
  });
}
