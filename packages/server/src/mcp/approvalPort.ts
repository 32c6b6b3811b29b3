import type { Challenge } from '@keyra/contract';

/** What request_approval asks for: the fields of `POST /v1/challenges`. */
export interface ApprovalRequest {
  userId: string;
  action: string;
  payload: Record<string, unknown>;
  expiresIn: number;
}

/** The verified claims of a proof, as the SDK's `proofs.verify` returns them. */
export interface VerifiedProof {
  iss: string;
  sub: string;
  iat: number;
  challengeId: string;
  action: string;
  payloadDigest: string;
  method: string;
  deviceId: string | null;
  env: string;
  /** A quorum proof's approvals (`sub` is then the challenge id). */
  approvers?: { sub: string }[];
}

/** Options of one read while a tool waits. */
export interface ReadOptions {
  signal?: AbortSignal;
  /**
   * Keep retrying a KEYRA server that cannot be reached (a restart) until this instant (epoch ms);
   * without it one failed read is an error.
   */
  retryUntil?: number;
}

/**
 * The four things the MCP tools need from KEYRA, scoped to one API key's tenant and environment.
 * Two adapters: over HTTP with `@keyra/sdk` (`keyra mcp`, stdio) and in process with the core
 * verbs (`POST /mcp` on the server). The tools are written once against this port.
 */
export interface ApprovalPort {
  /** Creates a pending challenge. */
  create(
    request: ApprovalRequest,
    signal?: AbortSignal,
  ): Promise<{ id: string; expiresAt: string }>;
  /** A challenge as `GET /v1/challenges/:id` shows it (an overdue one reads `expired`). */
  get(id: string, options?: ReadOptions): Promise<Challenge>;
  /** Cancels a pending challenge (`POST /v1/challenges/:id/cancel`). */
  cancel(id: string): Promise<void>;
  /**
   * Verifies a proof offline against the server's JWKS with the SDK's rules (signature, `typ`,
   * this key's environment, and the action and payload when given). Throws the SDK's
   * `ProofVerificationError` when it does not hold.
   */
  verifyProof(
    proof: string,
    expected: { action?: string; payload?: Record<string, unknown> },
  ): Promise<VerifiedProof>;
  /** Milliseconds between two reads while waiting for a decision. */
  readonly pollIntervalMs: number;
}
