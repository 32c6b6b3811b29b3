import { rejectionChallenge } from './challengeDigest.js';
import { assertDecidable } from './assertDecidable.js';
import { formatTimestamp } from '../time.js';
import { effectiveStatus } from './effectiveStatus.js';
import type { ApprovalMethod, ChallengeRecord, DeviceRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { readClientData, responseCredentialId } from '../credentials/clientData.js';
import type { DeviceTrust, RelyingParty } from '../credentials/relyingParty.js';
import { verifyAssertion } from '../credentials/verifyAssertion.js';
import type { ProofSigner } from '../proofs/proofSigner.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import type { StampIssuer, StampRecord } from '../stamps/stampRecords.js';
import { meterVerification } from '../usage/meterVerification.js';
import { appendAudit } from '../audit/appendAudit.js';
import { disableDevice } from '../devices/disableDevice.js';
import { duplicateVote, recordQuorumVote } from './recordQuorumVote.js';
import { assertPolicyAllows } from '../policies/assertPolicyAllows.js';

export interface VerifyChallengeInput {
  deviceId: string;
  /** The WebAuthn assertion (JSON form) whose challenge is the digest (approve) or the rejection challenge. */
  attestation: unknown;
}

export interface VerifyChallengeDeps {
  storage: Storage;
  rp: RelyingParty;
  trust: DeviceTrust;
  signer: ProofSigner;
  /** Issues the stamp of an approval whose challenge asked for one. */
  stamps: StampIssuer;
  now: EpochMs;
  random?: RandomBytes;
}

export interface VerifiedChallenge {
  challenge: ChallengeRecord;
  device: DeviceRecord;
  /** The stamp issued with an approval that asked for one. */
  stamp: StampRecord | null;
}

/**
 * Decides a challenge from a device's signed answer. Checks, in order: the challenge exists and
 * is pending and unexpired (404/409/410); the device exists in this tenant and environment (404
 * `device_not_found`), belongs to the challenge's user (for a quorum challenge: to one of its
 * approvers, else 403 `not_an_approver`, who has not voted yet, else 409 `duplicate_vote`) and is
 * neither revoked nor disabled; the
 * assertion is from that credential, signs the challenge digest (approve) or the rejection
 * challenge (reject), from the right origin and rpId, with user verification; the signature counter
 * grew (a regression disables the device as possibly cloned); an approval meets the policy version
 * the challenge was created under (allowed method, time window: 422 `policy_*`, nothing written). Then one conditional write consumes
 * the challenge, so exactly one of any number of racing verifies wins; the device counter, the
 * `challenge.approved`/`challenge.rejected` event, the stamp (when asked for) and the usage record
 * of an approval are written in the same transaction, so an approval is metered exactly once.
 * A quorum challenge records the vote instead and is decided by the vote that settles it (see
 * `recordQuorumVote`); a vote that does not answers with the challenge still `pending`.
 */
export async function verifyChallenge(
  scope: Scope,
  challengeId: string,
  input: VerifyChallengeInput,
  deps: VerifyChallengeDeps,
): Promise<VerifiedChallenge> {
  const { storage, now } = deps;
  const random = deps.random ?? systemRandom;
  const challenge = await storage.challenges.find(scope, challengeId);
  if (!challenge)
    throw new KeyraError('challenge_not_found', `No challenge ${challengeId} in this environment.`);
  assertDecidable(challenge, effectiveStatus(challenge, now));

  const device = await storage.devices.find(scope, input.deviceId);
  if (!device)
    throw new KeyraError(
      'device_not_found',
      `No paired device ${input.deviceId} in this environment.`,
    );
  const refuse = (message: string): never => {
    throw new KeyraError('attestation_invalid', message);
  };
  const quorum = challenge.quorum;
  if (quorum) {
    if (!quorum.approvers.includes(device.userId))
      throw new KeyraError(
        'not_an_approver',
        `Device ${device.id} belongs to ${device.userId}, who is not an approver of challenge ${challenge.id}.`,
      );
  } else if (device.userId !== challenge.userId) {
    refuse(`Device ${device.id} is not paired with the challenge's user.`);
  }
  if (device.revokedAt !== null) refuse(`Device ${device.id} was revoked.`);
  if (device.disabledAt !== null)
    refuse(`Device ${device.id} is disabled (${device.disabledReason ?? 'untrusted'}).`);
  if (quorum?.votes.some((vote) => vote.userId === device.userId))
    throw duplicateVote(challenge, device);
  if (responseCredentialId(input.attestation) !== device.credentialId) {
    refuse(`The assertion was not made by device ${device.id}.`);
  }

  const approve = Buffer.from(challenge.digest, 'hex').toString('base64url');
  const reject = rejectionChallenge(challenge.digest).toString('base64url');
  const signed = readClientData(input.attestation).challenge;
  const decision = signed === approve ? 'approved' : signed === reject ? 'rejected' : null;
  if (!decision) refuse(`The assertion does not sign challenge ${challenge.id}.`);

  const result = await verifyAssertion(device, input.attestation, signed, deps.rp, deps.trust);
  if (result.outcome === 'counter_regression') {
    // A duplicate of a verify that just won (the same signature, sent twice at once) read the
    // challenge before that verify committed and the device after: it is a used challenge, not a
    // cloned device. Only a stale counter on a still-open challenge disables the device.
    const current = await storage.challenges.find(scope, challenge.id);
    if (current && result.newCounter === device.signCount) {
      if (current.deviceId === device.id) assertDecidable(challenge, effectiveStatus(current, now));
      if (current.quorum?.votes.some((vote) => vote.deviceId === device.id))
        throw duplicateVote(challenge, device);
    }
    await disableDevice(storage, scope, device.id, 'counter_regression', now, random);
    refuse(
      `Device ${device.id} sent signature counter ${result.newCounter} after ${device.signCount}: it may have been cloned and is now disabled.`,
    );
  }

  const method: ApprovalMethod = device.kind === 'keyra_one' ? 'device' : 'passkey';
  if (decision === 'approved') assertPolicyAllows(challenge, method, now);
  if (quorum) {
    return recordQuorumVote(
      scope,
      challenge,
      {
        device,
        decision: decision as 'approved' | 'rejected',
        method,
        newCounter: result.newCounter,
      },
      { ...deps, random },
    );
  }
  const userId = challenge.userId ?? challenge.id;
  const proof =
    decision === 'approved'
      ? await deps.signer.sign(
          {
            challengeId: challenge.id,
            action: challenge.action,
            userId,
            payload: challenge.payload,
            challengeDigest: challenge.digest,
            environment: scope.environment,
            method,
            deviceId: device.id,
            audience: challenge.audience,
          },
          now,
        )
      : null;
  const stamp =
    proof !== null && challenge.stampRequested
      ? await deps.stamps.issue(scope, { subjectId: challenge.id, method, proof }, now)
      : null;

  return storage.transaction(async (tx) => {
    const decided = await tx.challenges.decide(
      scope,
      challenge.id,
      decision as 'approved' | 'rejected',
      now,
      {
        deviceId: device.id,
        method,
        proof,
        stampId: stamp?.id ?? null,
      },
    );
    if (!decided) {
      const current = await tx.challenges.find(scope, challenge.id);
      assertDecidable(challenge, current ? effectiveStatus(current, now) : 'expired');
      throw new KeyraError(
        'challenge_already_used',
        `Challenge ${challenge.id} was already consumed.`,
      );
    }
    if (!(await tx.devices.recordUse(scope, device.id, device.signCount, result.newCounter, now))) {
      // Another verify used the same counter value concurrently: a replayed or cloned signature.
      throw new KeyraError(
        'attestation_invalid',
        `Device ${device.id}'s signature counter was already used.`,
      );
    }
    if (stamp) await tx.stamps.insert(stamp);
    // Metering locks nothing of the tenant on PostgreSQL: the record is billed after the commit
    // (docs/storage.md, "Sealing after commit").
    if (decision === 'approved')
      await meterVerification(tx, scope, challenge.id, method, now, random);
    await recordEvent(
      tx,
      scope,
      decision === 'approved' ? 'challenge.approved' : 'challenge.rejected',
      {
        challengeId: challenge.id,
        action: challenge.action,
        userId: challenge.userId,
        deviceId: device.id,
        method,
        decidedAt: formatTimestamp(now),
        ...(stamp ? { stampId: stamp.id } : {}),
        metadata: challenge.metadata,
      },
      now,
      random,
    );
    await appendAudit(
      tx,
      scope,
      {
        type: decision === 'approved' ? 'challenge.approved' : 'challenge.rejected',
        actor: device.id,
        subject: challenge.id,
        data: { method, ...(stamp ? { stampId: stamp.id } : {}) },
      },
      now,
      random,
    );
    return {
      challenge: decided,
      device: { ...device, signCount: result.newCounter, lastUsedAt: now },
      stamp,
    };
  });
}
