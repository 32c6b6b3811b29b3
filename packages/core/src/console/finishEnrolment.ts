import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { readClientData } from '../credentials/clientData.js';
import type { RelyingParty } from '../credentials/relyingParty.js';
import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import type { ConsoleUserRecord } from './consoleRecords.js';
import { consoleOrigin } from './consoleOrigin.js';
import { createConsoleSession, type OpenedConsoleSession } from './createConsoleSession.js';
import type { ConsoleSessionPolicy } from './consoleTokens.js';
import { findUsableInvite } from './findUsableInvite.js';

export interface FinishEnrolmentInput {
  /** The invite link's token. */
  token: string;
  /** The browser's `credential.toJSON()`. */
  response: unknown;
}

const invalid = (message: string, cause?: unknown): KeyraError =>
  new KeyraError('attestation_invalid', message, cause === undefined ? {} : { cause });

/**
 * Redeems an invite with a new passkey and signs the new user in. Checks, in order: the invite
 * is usable (`console_invite_invalid`); the response comes from a console web origin and answers
 * a ceremony begun for this invite, once (`attestation_invalid`); the registration verifies for
 * the relying party with user verification (`attestation_invalid`). Then, in one transaction, the
 * invite is used (one conditional write: of two racing redemptions one wins), the user and the
 * passkey are stored and a session is opened.
 */
export async function finishEnrolment(
  storage: Pick<Storage, 'console' | 'transaction'>,
  rp: RelyingParty,
  input: FinishEnrolmentInput,
  policy: ConsoleSessionPolicy,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<OpenedConsoleSession> {
  const invite = await findUsableInvite(storage.console, input.token, now);
  const clientData = readClientData(input.response);
  const origin = consoleOrigin(rp, clientData.origin);
  if (!origin) throw invalid(`Origin ${clientData.origin} is not a console origin.`);
  const ceremony = await storage.console.consumeCeremony(clientData.challenge, 'enrolment', now);
  if (!ceremony || ceremony.inviteId !== invite.id)
    throw invalid(
      'Unknown, expired or already used enrolment challenge; open the invite link again.',
    );

  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (error) {
    throw invalid(`Registration failed verification: ${(error as Error).message}`, error);
  }
  if (!verification.verified) throw invalid('Registration failed verification.');
  const { credential } = verification.registrationInfo;

  const user: ConsoleUserRecord = {
    id: newId('consoleUser', random),
    tenantId: invite.tenantId,
    email: invite.email,
    role: invite.role,
    createdAt: now,
    disabledAt: null,
  };
  return storage.transaction(async (tx) => {
    if (!(await tx.console.useInvite(invite.id, now))) {
      throw new KeyraError(
        'console_invite_invalid',
        'This invite link is unknown, expired or already used; ask an owner for a new one.',
        { cause: 'used' },
      );
    }
    if (await tx.console.findUserByEmail(invite.tenantId, invite.email)) {
      throw new KeyraError(
        'console_user_exists',
        `${invite.email} is already a console user of this tenant.`,
      );
    }
    if (await tx.console.findPasskey(credential.id)) {
      throw new KeyraError(
        'credential_already_registered',
        'This passkey is already enrolled in the console.',
      );
    }
    await tx.console.insertUser(user);
    await tx.console.insertPasskey({
      credentialId: credential.id,
      userId: user.id,
      tenantId: user.tenantId,
      publicKey: isoBase64URL.fromBuffer(credential.publicKey),
      counter: credential.counter,
      transports: credential.transports ?? [],
      createdAt: now,
      lastUsedAt: null,
    });
    return createConsoleSession(tx.console, user, policy, now, random);
  });
}
