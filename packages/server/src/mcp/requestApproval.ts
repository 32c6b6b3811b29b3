import { ApprovalResult, RequestApprovalInput, type Challenge } from '@keyra/contract';
import { CHALLENGE_LIMITS } from '@keyra/core';
import type { ApprovalPort } from './approvalPort.js';
import { ToolError, type McpTool, type ToolContext, type ToolResult } from './mcpTool.js';
import { approvalFields, describeDecision } from './describeDecision.js';

/** Seconds between two progress notifications while a human decides. */
const PROGRESS_EVERY_MS = 5_000;
/** How long after its expiry a challenge may still be read back (a KEYRA restart straddling it). */
const READ_GRACE_MS = 60_000;

/**
 * `request_approval`: creates a challenge and waits until the human decides or it expires. A
 * rejection or an expiry is a normal result; a cancelled call (or a closed connection) cancels the
 * challenge, so nobody approves an action whose requester is gone.
 */
export const requestApproval: McpTool<RequestApprovalInput> = {
  name: 'request_approval',
  description: [
    'Ask a specific human to approve a specific action on their KEYRA ONE device (or passkey), and wait for the answer.',
    'The human sees exactly `action` and `payload` (and `reason`, signed as payload.reason) and approves or rejects them.',
    'Returns status approved (with a signed `proof` to keep or check with verify_proof), rejected, expired (nobody answered within expiresIn seconds) or canceled.',
    'Only act when status is approved. Progress notifications report the wait; cancelling the call cancels the request on the device.',
  ].join(' '),
  inputSchema: RequestApprovalInput,
  outputSchema: ApprovalResult,
  annotations: {
    title: 'Ask a human to approve an action',
    // It creates a challenge (not read-only) but destroys nothing; every call asks anew.
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    // A human outside the system decides.
    openWorldHint: true,
  },
  async run(input, context) {
    const payload = withReason(input.payload ?? {}, input.reason);
    const expiresIn = input.expiresIn ?? CHALLENGE_LIMITS.expiresInDefault;
    const { port, signal } = context;
    // Not aborted mid-flight: a cancel arriving while the create is on its way would otherwise
    // leave a challenge the server made but this call never learned of, pending on the human's
    // device. Once it is known, an aborted call cancels it (below).
    const created = await port.create({
      userId: input.userId,
      action: input.action,
      payload,
      expiresIn,
    });
    try {
      const challenge = await waitForDecision(port, created.id, Date.parse(created.expiresAt), {
        ...context,
        label: `${input.userId} to approve ${input.action}`,
        expiresIn,
      });
      return approvalResult(challenge);
    } catch (error) {
      if (context.shutdown?.aborted) {
        throw new ToolError(
          `The KEYRA server is restarting; challenge ${created.id} is still pending. Call get_approval with this challengeId to follow it.`,
          'service_unavailable',
        );
      }
      if (signal.aborted) {
        // Best effort: a decision may have landed first, then there is nothing left to cancel.
        await port.cancel(created.id).catch(() => undefined);
      }
      throw error;
    }
  },
};

function withReason(
  payload: Record<string, unknown>,
  reason: string | undefined,
): Record<string, unknown> {
  if (reason === undefined) return payload;
  if ('reason' in payload) {
    throw new ToolError(
      'Give the reason either as `reason` or as `payload.reason`, not both.',
      'validation_failed',
    );
  }
  return { ...payload, reason };
}

interface WaitOptions extends ToolContext {
  label: string;
  expiresIn: number;
}

/** Polls the challenge until it leaves `pending`, reporting progress; rejects when aborted. */
async function waitForDecision(
  port: ApprovalPort,
  id: string,
  expiresAt: number,
  options: WaitOptions,
): Promise<Challenge> {
  const signals = [options.signal, ...(options.shutdown ? [options.shutdown] : [])];
  const signal = AbortSignal.any(signals);
  const started = options.now();
  let lastProgress = -Infinity;
  for (;;) {
    signal.throwIfAborted();
    const challenge = await port.get(id, { signal, retryUntil: expiresAt + READ_GRACE_MS });
    if (challenge.status !== 'pending') return challenge;
    const now = options.now();
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      const waited = Math.min(options.expiresIn, Math.floor((now - started) / 1000));
      await options.progress(
        waited,
        options.expiresIn,
        `Waiting for ${options.label} (challenge ${id}, expires at ${challenge.expiresAt}).`,
      );
    }
    await sleep(port.pollIntervalMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
    };
    const aborted = (): void => {
      done();
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** The structured result of a decided (or expired, or canceled) challenge. */
function approvalResult(challenge: Challenge): ToolResult {
  const status = challenge.status as ApprovalResult['status'];
  const structured: ApprovalResult = { status, ...approvalFields(challenge) };
  return { structured, text: describeDecision(challenge) };
}
