import type { Challenge } from '@keyra/contract';

/** One sentence an agent (or its human reading the transcript) understands, per status. */
export function describeDecision(challenge: Challenge): string {
  const who =
    challenge.userId ?? `${challenge.quorum ?? '?'} of ${(challenge.approvers ?? []).join(', ')}`;
  const what = `${challenge.action} for ${who} (challenge ${challenge.id})`;
  switch (challenge.status) {
    case 'approved':
      return `Approved: ${what} at ${challenge.decidedAt ?? '?'} on their ${challenge.method === 'passkey' ? 'passkey' : 'KEYRA ONE'}. Proceed; keep the proof.`;
    case 'rejected':
      return `Rejected: the human declined ${what}. Do not proceed.`;
    case 'expired':
      return `Expired: nobody answered ${what} before ${challenge.expiresAt}. Do not proceed; ask again if it is still needed.`;
    case 'canceled':
      return `Canceled: ${what} was withdrawn before the human decided. Do not proceed.`;
    case 'pending':
      return `Pending: ${what} is waiting for the human until ${challenge.expiresAt}.`;
  }
}

/** The fields both approval tools return, the optional ones only once the challenge has them. */
export function approvalFields(challenge: Challenge): {
  challengeId: string;
  action: string;
  payload: Record<string, unknown>;
  expiresAt: string;
  proof?: string;
  method?: 'device' | 'passkey';
  decidedAt?: string;
} {
  return {
    challengeId: challenge.id,
    action: challenge.action,
    payload: challenge.payload,
    expiresAt: challenge.expiresAt,
    ...(challenge.proof !== null ? { proof: challenge.proof } : {}),
    ...(challenge.method !== null ? { method: challenge.method } : {}),
    ...(challenge.decidedAt !== null ? { decidedAt: challenge.decidedAt } : {}),
  };
}
