import { formatTimestamp } from '@keyra/core';
import { ProofCheck, VerifyProofInput } from '@keyra/contract';
import { ProofVerificationError } from '@keyra/sdk';
import type { McpTool } from './mcpTool.js';

/**
 * `verify_proof`: checks a proof offline against the server's JWKS with the SDK's own
 * `proofs.verify` (signature, `typ`, environment, action, payload). A proof that does not hold is
 * a normal result (`valid: false` and why), not a tool error.
 */
export const verifyProof: McpTool<VerifyProofInput> = {
  name: 'verify_proof',
  description:
    "Check a KEYRA proof offline against the server's public keys: the signature, that it is a proof for this environment, and, when given, that it approves exactly this action and payload. Returns valid true with the verified claims, or valid false with the reason.",
  inputSchema: VerifyProofInput,
  outputSchema: ProofCheck,
  annotations: {
    title: 'Verify an approval proof',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async run(input, { port }) {
    try {
      const claims = await port.verifyProof(input.proof, {
        ...(input.action !== undefined ? { action: input.action } : {}),
        ...(input.payload !== undefined ? { payload: input.payload } : {}),
      });
      const structured: ProofCheck = {
        valid: true,
        claims: {
          challengeId: claims.challengeId,
          action: claims.action,
          userId: claims.sub,
          payloadDigest: claims.payloadDigest,
          method: claims.method,
          deviceId: claims.deviceId,
          env: claims.env,
          issuer: claims.iss,
          issuedAt: formatTimestamp(claims.iat * 1000),
        },
      };
      return {
        structured,
        text: `Valid: ${claims.approvers ? claims.approvers.map((a) => a.sub).join(' and ') : claims.sub} approved ${claims.action} (challenge ${claims.challengeId}) with ${claims.method}${input.payload !== undefined ? ', for exactly this payload' : ''}.`,
      };
    } catch (error) {
      // Keys that cannot be fetched say nothing about the proof: a tool error, not `valid: false`.
      if (!(error instanceof ProofVerificationError) || error.code === 'jwks_unavailable')
        throw error;
      const structured: ProofCheck = { valid: false, reason: error.message, code: error.code };
      return { structured, text: `Not valid: ${error.message}` };
    }
  },
};
