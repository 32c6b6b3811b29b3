#!/usr/bin/env node
// Regenerates the docs that are derived from code (run after `npm run build`):
//   docs/errors.md  ← ERROR_STATUS / ERROR_DESCRIPTION in packages/core/src/errors.ts
// `--check` fails instead of writing when a file is out of date (CI uses it).
import { readFileSync, writeFileSync } from 'node:fs';
import { ERROR_CODES, ERROR_DESCRIPTION, ERROR_STATUS } from '@keyra/core';

const check = process.argv.includes('--check');
const errorsDoc = `# Error codes

Every error response has the body \`{code, message, details?}\` and one of these codes. The table is
generated from \`packages/core/src/errors.ts\` by \`npm run docs\`; a test keeps the two identical.
Retry only on \`429\` (after \`Retry-After\` seconds) and \`5xx\`, with backoff. Authentication
failures all look the same from outside (same status, body and timing); the server log says why.
The OAuth codes of the OpenID CIBA front door (\`/oauth/*\`) leave in OAuth's own form instead,
\`{error, error_description}\` ([ciba.md](ciba.md)).

| code | HTTP | meaning |
| --- | --- | --- |
${ERROR_CODES.map((code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_DESCRIPTION[code]} |`).join('\n')}

Example:

\`\`\`json
{
  "code": "challenge_expired",
  "message": "Challenge chl_9k2m expired at 2026-05-29T18:42:00Z"
}
\`\`\`
`;

const outputs = [['docs/errors.md', errorsDoc]];
let stale = 0;
for (const [file, content] of outputs) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    // missing: treated as stale
  }
  if (current === content) continue;
  if (check) {
    console.error(`${file} is out of date: run npm run docs`);
    stale += 1;
  } else {
    writeFileSync(file, content);
    console.log(`wrote ${file}`);
  }
}
process.exit(stale ? 1 : 0);
