import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    server: {
      deps: {
        // eventsource-parser (under the MCP SDK's HTTP client) publishes a `source` condition
        // pointing at TypeScript, which Node cannot load: Vite compiles the SDK and it instead.
        inline: [/@modelcontextprotocol\/sdk/, /eventsource/],
      },
    },
  },
});
