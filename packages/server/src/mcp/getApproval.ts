import { ApprovalState, GetApprovalInput } from '@keyra/contract';
import { approvalFields, describeDecision } from './describeDecision.js';
import type { McpTool } from './mcpTool.js';

/** `get_approval`: reads a challenge's state once (no waiting), e.g. after a lost connection. */
export const getApproval: McpTool<GetApprovalInput> = {
  name: 'get_approval',
  description:
    'Read the current state of an approval request by its challengeId: pending, approved (with its proof), rejected, expired or canceled. Does not wait and changes nothing.',
  inputSchema: GetApprovalInput,
  outputSchema: ApprovalState,
  annotations: {
    title: 'Read an approval request',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(input, { port, signal }) {
    const challenge = await port.get(input.challengeId, { signal });
    const structured: ApprovalState = {
      status: challenge.status,
      userId: challenge.userId,
      ...(challenge.approvers !== undefined ? { approvers: challenge.approvers } : {}),
      ...(challenge.quorum !== undefined ? { quorum: challenge.quorum } : {}),
      ...approvalFields(challenge),
    };
    return { structured, text: describeDecision(challenge) };
  },
};
