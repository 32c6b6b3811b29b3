import { randomUUID } from 'node:crypto';
import { systemClock, type Clock, type Storage } from '@keyra/core';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance } from 'fastify';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import type { ChallengeNotifier } from '../../approval/challengeNotifier.js';
import { createMcpServer } from '../../mcp/createMcpServer.js';
import { createInProcessApprovalPort } from '../../mcp/inProcessApprovalPort.js';
import { scopeOf } from '../scopeOf.js';

export interface McpRoutesOptions {
  storage: Storage;
  clock: Clock;
  approval: ApprovalServices;
  notifier: ChallengeNotifier;
  version: string;
  /** Milliseconds between two reads of a waiting challenge (default 500). */
  pollIntervalMs?: number;
}

type JsonRpcMessage = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
type Transport = StreamableHTTPServerTransport;

const SESSION_HEADER = 'mcp-session-id';

/**
 * `POST /mcp`: the MCP tools over Streamable HTTP, behind the same API-key authentication, rate
 * limits and tenant scope as `/v1` (it is registered in that context). Stateless: every POST gets
 * its own MCP server and transport, so any instance can answer any request. GET and DELETE answer
 * 405 (no server-initiated stream, no session to delete).
 *
 * A wait ends when its HTTP connection closes, which cancels the challenge. A
 * `notifications/cancelled` arrives as another POST: the `Mcp-Session-Id` handed out at
 * `initialize` (a random name for the client, not server state) lets this instance find the
 * request it cancels; on another instance it finds nothing, so behind a load balancer route on
 * that header, or rely on the client closing the stream.
 */
export async function mcpRoutes(app: FastifyInstance, options: McpRoutesOptions): Promise<void> {
  /** The transports of running requests, by API key, session and JSON-RPC id. */
  const running = new Map<string, Transport>();
  const shutdown = new AbortController();
  app.addHook('preClose', async () => {
    shutdown.abort();
  });

  // JSON-RPC errors, not KEYRA's, for a body that is not JSON: the transport parses it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/mcp',
    {
      schema: {
        operationId: 'mcp',
        tags: ['Agents (MCP)'],
        summary:
          'Model Context Protocol (Streamable HTTP, stateless): request_approval, get_approval, verify_proof.',
        description:
          'JSON-RPC 2.0 messages as the MCP specification defines them; send `Accept: application/json, text/event-stream`. Tool calls answer on a server-sent-events stream carrying progress notifications. Authenticate as on `/v1`. See docs/agents.md.',
      },
    },
    async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return reply.status(400).send({
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error: the body is not JSON.' },
        });
      }
      const auth = scopeOf(request);
      const messages = (Array.isArray(parsed) ? parsed : [parsed]) as JsonRpcMessage[];
      const isInitialize = messages.some((m) => m?.method === 'initialize');
      const sessionHeader = request.headers[SESSION_HEADER];
      const session = isInitialize
        ? randomUUID()
        : typeof sessionHeader === 'string'
          ? sessionHeader
          : '';
      const keyOf = (id: unknown): string => `${auth.keyId}\n${session}\n${JSON.stringify(id)}`;

      if (session) forwardCancellations(messages, running, keyOf);

      const mcp = createMcpServer({
        port: createInProcessApprovalPort({
          scope: {
            tenantId: auth.tenantId,
            environment: auth.environment,
            audience: auth.audience,
          },
          storage: options.storage,
          clock: options.clock,
          signer: options.approval.signer,
          notifier: options.notifier,
          ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
        }),
        version: options.version,
        shutdown: shutdown.signal,
        now: () => systemClock.now(),
        onError: (error, tool) => request.log.error({ err: error, tool }, 'mcp tool failed'),
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      const ids = messages
        .filter((m) => m?.method !== undefined && m.id !== undefined)
        .map((m) => keyOf(m.id));
      if (session) for (const id of ids) running.set(id, transport);

      reply.hijack();
      reply.raw.setHeader('Request-Id', request.id);
      if (isInitialize) reply.raw.setHeader(SESSION_HEADER, session);
      // Answered, or the client went away: either way this request's server ends, and a tool
      // still waiting is aborted (its challenge canceled).
      reply.raw.once('close', () => {
        for (const id of ids) if (running.get(id) === transport) running.delete(id);
        void mcp.server.close();
      });
      try {
        await mcp.server.connect(transport);
        await transport.handleRequest(request.raw, reply.raw, parsed);
      } catch (error) {
        request.log.error({ err: error }, 'mcp request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: null,
              error: { code: -32603, message: 'Internal error' },
            }),
          );
        }
      }
    },
  );
}

/**
 * Delivers each `notifications/cancelled` of this POST to the transport of the request it names
 * (same API key and session), as if it had arrived there: the SDK aborts that tool call.
 */
function forwardCancellations(
  messages: JsonRpcMessage[],
  running: Map<string, Transport>,
  keyOf: (id: unknown) => string,
): void {
  for (const message of messages) {
    if (message?.method !== 'notifications/cancelled') continue;
    const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
    const target = running.get(keyOf(requestId));
    if (!target) continue;
    target.onmessage?.({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: message.params as { requestId: string | number; reason?: string },
    });
    // The cancelled request gets no response (MCP spec): end its stream.
    void target.close();
  }
}
