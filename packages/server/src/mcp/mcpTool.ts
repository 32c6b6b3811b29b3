import type { ApprovalPort } from './approvalPort.js';

/** The MCP tool annotations (hints a host shows or acts on: does the tool change anything?). */
export interface ToolAnnotations {
  title: string;
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a running tool call can use besides its arguments. */
export interface ToolContext {
  port: ApprovalPort;
  /** Aborted when the MCP request is cancelled or its connection closes. */
  signal: AbortSignal;
  /**
   * Aborted when the server hosting the call shuts down: the wait stops without canceling the
   * challenge, which another instance can still report (get_approval).
   */
  shutdown?: AbortSignal;
  /** Sends `notifications/progress` when the client asked for it (a progressToken), else nothing. */
  progress(progress: number, total: number, message: string): Promise<void>;
  /** Wall-clock milliseconds, for progress figures and retry deadlines. */
  now(): number;
}

/** A tool's answer: structured content (checked against its output schema) plus a text summary. */
export interface ToolResult {
  structured: Record<string, unknown>;
  text: string;
}

/** A refusal the agent should read (bad arguments, unknown challenge): an `isError` tool result. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

/** One MCP tool: its listing (schemas, annotations) and its implementation. */
export interface McpTool<Input> {
  name: string;
  description: string;
  /** JSON Schemas (TypeBox, from `@keyra/contract`). */
  inputSchema: object;
  outputSchema: object;
  annotations: ToolAnnotations;
  run(input: Input, context: ToolContext): Promise<ToolResult>;
}
