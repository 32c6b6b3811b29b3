import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Most test files spend their time waiting on child servers, databases and browsers, not on CPU:
// vitest's default (one worker per core, minus one) ran one file at a time on a 2-core machine.
// KEYRA_TEST_WORKERS overrides.
const workers = Number(process.env.KEYRA_TEST_WORKERS) || Math.max(3, availableParallelism());

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: workers,
    server: {
      deps: {
        // eventsource-parser (under the MCP SDK's HTTP client) publishes a `source` condition
        // pointing at TypeScript, which Node cannot load: Vite compiles the SDK and it instead.
        inline: [/@modelcontextprotocol\/sdk/, /eventsource/],
      },
    },
  },
});
