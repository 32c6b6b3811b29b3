import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  RequestSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { ErrorObject } from 'ajv';
import { createValidatorCompiler } from '../http/validation.js';
import type { ApprovalPort } from './approvalPort.js';
import { getApproval } from './getApproval.js';
import { ToolError, type McpTool } from './mcpTool.js';
import { requestApproval } from './requestApproval.js';
import { verifyProof } from './verifyProof.js';

/** KEYRA's MCP tools, in the order `tools/list` shows them. */
export const MCP_TOOLS: readonly McpTool<never>[] = [
  requestApproval as McpTool<never>,
  getApproval as McpTool<never>,
  verifyProof as McpTool<never>,
];

export interface McpServerOptions {
  port: ApprovalPort;
  /** The server's version, shown to MCP clients. */
  version: string;
  /** Aborted when the hosting process shuts down (see `ToolContext.shutdown`). */
  shutdown?: AbortSignal;
  /** Wall-clock milliseconds. */
  now(): number;
  /** Where unexpected tool failures are reported (never to the client in full). */
  onError?(error: unknown, tool: string): void;
}

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// One compiled validator per tool for the process: the same strict rules as request bodies.
const compile = createValidatorCompiler();
const validators = new Map<string, Validate>(
  MCP_TOOLS.map((tool) => [
    tool.name,
    compile({
      schema: tool.inputSchema,
      httpPart: 'body',
      method: 'POST',
      url: '/mcp',
    }) as Validate,
  ]),
);
/**
 * `tools/call` with any params: the SDK then checks them itself and answers a malformed call with
 * JSON-RPC invalid params (-32602); registered with its strict schema, it would answer -32603.
 */
const AnyCallToolRequest = CallToolRequestSchema.extend({ params: RequestSchema.shape.params });

const listing = MCP_TOOLS.map((tool) => ({
  name: tool.name,
  title: tool.annotations.title,
  description: tool.description,
  // TypeBox schemas are plain JSON Schema plus symbol keys, which this round trip drops.
  inputSchema: JSON.parse(JSON.stringify(tool.inputSchema)) as { type: 'object' },
  outputSchema: JSON.parse(JSON.stringify(tool.outputSchema)) as { type: 'object' },
  annotations: tool.annotations,
}));

/** An MCP server and a way to wait for its tool calls, e.g. the cancels that follow an abort. */
export interface KeyraMcpServer {
  server: Server;
  /** Resolves when no tool call is running. */
  idle(): Promise<void>;
}

/**
 * The MCP server of one connection (stdio) or one HTTP request (`POST /mcp`, stateless): the
 * three tools over `port`. Bad arguments are `isError` tool results the model can correct, as the
 * MCP spec asks; an unknown tool is JSON-RPC invalid params.
 */
export function createMcpServer(options: McpServerOptions): KeyraMcpServer {
  const running = new Set<Promise<unknown>>();
  const server = new Server(
    { name: 'keyra', title: 'KEYRA human approval', version: options.version },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        'Use request_approval before any action a human must authorize (payments, deletions, deployments, messages sent on their behalf). Act only on status "approved"; keep the proof. get_approval reads a request again; verify_proof checks a proof offline.',
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: listing }));
  server.setRequestHandler(AnyCallToolRequest, async (loose, extra) => {
    // The SDK has validated the params against CallToolRequestSchema before calling us.
    const request = CallToolRequestSchema.parse(loose);
    const { name } = request.params;
    const tool = MCP_TOOLS.find((candidate) => candidate.name === name);
    if (!tool) {
      throw new McpError(
        ErrorCode.InvalidParams,
        `Unknown tool ${JSON.stringify(name)}; the tools are ${MCP_TOOLS.map((t) => t.name).join(', ')}.`,
      );
    }
    const input = structuredClone(request.params.arguments ?? {});
    const validate = validators.get(name)!;
    if (!validate(input)) return errorResult(`Invalid arguments: ${describe(validate.errors)}`);
    const progressToken = extra._meta?.progressToken;
    try {
      const call = tool.run(input as never, {
        port: options.port,
        signal: extra.signal,
        ...(options.shutdown ? { shutdown: options.shutdown } : {}),
        now: options.now,
        async progress(progress, total, message) {
          if (progressToken === undefined) return;
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken, progress, total, message },
          });
        },
      });
      running.add(call);
      const result = await call.finally(() => running.delete(call));
      return {
        content: [{ type: 'text', text: result.text }],
        structuredContent: result.structured,
      } satisfies CallToolResult;
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error.message);
      if (isCodedError(error))
        return errorResult(`KEYRA refused (${error.code}): ${error.message}`);
      if (extra.signal.aborted) throw error;
      options.onError?.(error, name);
      return errorResult(`The ${name} tool failed unexpectedly; the server log has the details.`);
    }
  });
  return {
    server,
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}

function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** `KeyraError` of core (in process) or of the SDK (over HTTP): both carry a string code. */
function isCodedError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => {
      const field = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      if (error.keyword === 'additionalProperties') {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        return `unknown field ${JSON.stringify(field ? `${field}.${extra}` : extra)}`;
      }
      if (error.keyword === 'required') {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        return `${field ? `${field}.` : ''}${missing} is required`;
      }
      return `${field || 'arguments'} ${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}
