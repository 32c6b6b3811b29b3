#!/usr/bin/env node
// Writes the server's OpenAPI 3.1 document (what GET /openapi.json serves) without starting a
// server, and with --lint checks it with redocly's recommended rules, failing on any error or
// warning. Run after `npm run build`:
//   node scripts/openapi.mjs --out openapi.json
//   node scripts/openapi.mjs --lint
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp, loadConfig } from '@keyra/server';
import { openStorage } from '@keyra/storage';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const lint = args.includes('--lint');
if (args.includes('--help') || (outIndex === -1 && !lint)) {
  console.log('Usage: node scripts/openapi.mjs [--out FILE] [--lint]');
  process.exit(args.includes('--help') ? 0 : 2);
}

const storage = await openStorage('sqlite::memory:', { migrate: true });
const app = await buildApp({
  config: loadConfig({ database: 'sqlite::memory:' }, {}),
  storage,
  serverSecret: Buffer.alloc(32, 7),
  logger: false,
});
await app.ready();
const document = JSON.stringify(app.swagger(), null, 2);
await app.close();
await storage.close();

if (outIndex !== -1) {
  writeFileSync(args[outIndex + 1], `${document}\n`);
  console.log(`wrote ${args[outIndex + 1]} (${(document.length / 1024).toFixed(0)} KiB)`);
}
if (lint) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, document);
    const redocly = path.resolve('node_modules/.bin/redocly');
    const run = spawnSync(redocly, ['lint', file, '--format', 'json'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    const start = run.stdout.indexOf('{');
    if (start === -1) {
      console.error(`redocly lint produced no report:\n${run.stdout}\n${run.stderr}`);
      process.exit(1);
    }
    const report = JSON.parse(run.stdout.slice(start));
    for (const problem of report.problems ?? []) {
      const where = problem.location?.[0]?.pointer ?? '';
      console.error(`${problem.severity} ${problem.ruleId}: ${problem.message} ${where}`);
    }
    const { errors = 0, warnings = 0 } = report.totals ?? {};
    console.log(`OpenAPI (redocly recommended rules): ${errors} errors, ${warnings} warnings`);
    process.exit(errors + warnings === 0 ? 0 : 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
