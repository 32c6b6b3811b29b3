import { challengeDigest, formatTimestamp } from '@keyra/core';
import type { DeviceChallenge } from '@keyra/sdk';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { approveChallenge } from '../authenticator/approveChallenge.js';
import { rejectChallenge } from '../authenticator/rejectChallenge.js';
import { CliError } from './cliError.js';
import { updatePairedState } from './deviceStateFile.js';

/** The human's decision on a challenge. */
export type Decision = 'approve' | 'reject';

/** Exactly the body `POST /v1/challenges/:id/verify` takes. */
export interface VerifyBody {
  deviceId: string;
  attestation: AuthenticationResponseJSON;
}

/**
 * The digest of the challenge as the device showed it: `challengeDigest` over the shown `id`,
 * `action`, `userId` (or `approvers` and `quorum`), `payload` and `expiresAt`. The device API
 * sends no digest on purpose: a
 * device that signed a server-supplied digest could be made to approve something other than
 * what it displayed.
 */
export function digestOfShownChallenge(challenge: DeviceChallenge): string {
  const expiresAt = Date.parse(challenge.expiresAt);
  // The digest hashes expiresAt in its canonical form; refuse anything that does not round-trip,
  // or the device would sign a different text from the one it showed.
  if (Number.isNaN(expiresAt) || formatTimestamp(expiresAt) !== challenge.expiresAt) {
    throw new CliError(
      `challenge ${challenge.id} has expiresAt ${JSON.stringify(challenge.expiresAt)}, not a whole-second RFC 3339 UTC time: the device cannot sign it`,
    );
  }
  if (challenge.approvers !== undefined && challenge.quorum !== undefined) {
    return challengeDigest({
      id: challenge.id,
      action: challenge.action,
      approvers: challenge.approvers,
      quorum: challenge.quorum,
      payload: challenge.payload,
      expiresAt,
    });
  }
  if (challenge.userId === null) {
    throw new CliError(
      `challenge ${challenge.id} names neither a user nor approvers: the device cannot sign it`,
    );
  }
  return challengeDigest({
    id: challenge.id,
    action: challenge.action,
    userId: challenge.userId,
    payload: challenge.payload,
    expiresAt,
  });
}

/**
 * Signs the decision on a challenge the device has shown (approval: the digest; rejection: the
 * rejection challenge), saving the incremented counter under the state lock.
 */
export async function signAnswer(
  statePath: string,
  challenge: DeviceChallenge,
  decision: Decision,
): Promise<VerifyBody> {
  const digestHex = digestOfShownChallenge(challenge);
  return updatePairedState(statePath, (state) => {
    const mayAnswer = challenge.approvers ?? [challenge.userId];
    if (!mayAnswer.includes(state.pairing.userId)) {
      const addressee = challenge.approvers
        ? `approvers ${challenge.approvers.join(', ')}`
        : `user ${String(challenge.userId)}`;
      throw new CliError(
        `challenge ${challenge.id} is for ${addressee}, but this device is paired with ${state.pairing.userId}: refusing to sign`,
      );
    }
    const answer = decision === 'approve' ? approveChallenge : rejectChallenge;
    const signed = answer(state, {
      digestHex,
      rpId: state.pairing.rpId,
      credentialId: state.pairing.credentialId,
    });
    return {
      state: signed.state,
      result: { deviceId: state.pairing.deviceId, attestation: signed.response },
    };
  });
}
