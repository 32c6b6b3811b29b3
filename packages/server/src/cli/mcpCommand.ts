import type { Command } from 'commander';
import { systemClock } from '@keyra/core';
import { DEFAULT_BASE_URL } from '@keyra/sdk';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { API_VERSION } from '../app.js';
import { createMcpServer } from '../mcp/createMcpServer.js';
import { createHttpApprovalPort } from '../mcp/httpApprovalPort.js';
import { CliError } from './cliError.js';

/** `keyra mcp`: the MCP server on stdio, talking to a KEYRA server over its REST API. */
export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      'Serve the MCP tools request_approval, get_approval and verify_proof on stdio for an MCP host (docs/agents.md).',
    )
    .addHelpText(
      'after',
      `
Environment:
  KEYRA_API_KEY    the secret key the tools act with (sk_test_… or sk_live_…; required)
  KEYRA_BASE_URL   the KEYRA server (default ${DEFAULT_BASE_URL})

stdout carries only MCP (JSON-RPC) messages; diagnostics go to stderr.`,
    )
    .action(async () => {
      const apiKey = process.env.KEYRA_API_KEY?.trim();
      if (!apiKey) {
        throw new CliError(
          'KEYRA_API_KEY is not set: give the MCP server a secret key (create one with: keyra keys create --env sandbox).',
        );
      }
      if (!/^sk_(test|live)_/.test(apiKey)) {
        throw new CliError('KEYRA_API_KEY must be a secret key, sk_test_… or sk_live_….');
      }
      const baseUrl = process.env.KEYRA_BASE_URL?.trim() || DEFAULT_BASE_URL;
      await serveStdio(apiKey, baseUrl);
    });
}

async function serveStdio(apiKey: string, baseUrl: string): Promise<void> {
  const mcp = createMcpServer({
    port: createHttpApprovalPort({ apiKey, baseUrl, clock: systemClock }),
    version: API_VERSION,
    now: () => systemClock.now(),
    onError: (error, tool) =>
      console.error(`keyra mcp: ${tool} failed: ${(error as Error).stack ?? String(error)}`),
  });
  const closed = new Promise<void>((resolve) => {
    mcp.server.onclose = resolve;
  });
  await mcp.server.connect(new StdioServerTransport());
  console.error(`keyra mcp: serving request_approval, get_approval, verify_proof for ${baseUrl}`);
  // The host closing stdin (or stopping us) ends the session: running waits are aborted, which
  // cancels their challenges, and we exit once those cancels are done.
  const stop = (): void => void mcp.server.close();
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await closed;
  await mcp.idle();
}
