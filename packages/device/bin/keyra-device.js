#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist by `npm run build` (run automatically by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/keyraDevice.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error(
    'keyra-device: the simulator is not built yet. Run `npm run build` in the repository root (npm install does it too).',
  );
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
