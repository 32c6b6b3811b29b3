#!/usr/bin/env node
// Long fuzzing runs of the API (the CI test runs 10,000 requests):
//   npm run fuzz -- --requests 200000 [--seed N]
// Runs packages/server/test/fuzz with those numbers; a failure prints the request that caused it.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (name, fallback) => {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1];
};
if (args.includes('--help')) {
  console.log(
    'Usage: npm run fuzz -- [--requests N] [--seed N]   (default 100000 requests, a random seed)',
  );
  process.exit(0);
}
const requests = value('--requests', '100000');
const seed = value('--seed', String(Math.floor(Math.random() * 2 ** 31)));
if (!/^\d+$/.test(requests) || !/^\d+$/.test(seed)) {
  console.error('fuzz: --requests and --seed take whole numbers.');
  process.exit(2);
}
console.log(`fuzz: ${requests} requests, seed ${seed} (repeat a run with --seed ${seed})`);
const run = spawnSync('npx', ['vitest', 'run', 'packages/server/test/fuzz'], {
  stdio: 'inherit',
  env: { ...process.env, KEYRA_FUZZ_REQUESTS: requests, KEYRA_FUZZ_SEED: seed },
});
process.exit(run.status ?? 1);
