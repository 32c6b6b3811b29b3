import { createHash } from 'node:crypto';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import type { RelyingParty } from '../credentials/relyingParty.js';
import type { EpochMs } from '../domain.js';
import type { ConsoleRole, ConsoleStore } from './consoleRecords.js';
import { CONSOLE_CEREMONY_TTL_MS } from './consoleTokens.js';
import { findUsableInvite } from './findUsableInvite.js';

export interface BeginEnrolmentResult {
  options: PublicKeyCredentialCreationOptionsJSON;
  email: string;
  role: ConsoleRole;
}

/**
 * Starts redeeming an invite link: WebAuthn creation options for a discoverable passkey
 * (resident key required, so sign-in needs no email) with user verification required, for the
 * relying party the passkey flow uses. The invite is checked (`console_invite_invalid`) but not
 * used yet; the challenge is remembered once, bound to the invite.
 */
export async function beginEnrolment(
  store: Pick<ConsoleStore, 'findInviteByHash' | 'insertCeremony'>,
  rp: RelyingParty,
  token: string,
  now: EpochMs,
): Promise<BeginEnrolmentResult> {
  const invite = await findUsableInvite(store, token, now);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: invite.email,
    userDisplayName: invite.email,
    // Opaque and stable for the invite; sign-in finds the user by credential id, not by handle.
    userID: new Uint8Array(
      createHash('sha256').update(`console\n${invite.id}`).digest().subarray(0, 16),
    ),
    attestationType: 'none',
    timeout: CONSOLE_CEREMONY_TTL_MS,
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  await store.insertCeremony({
    challenge: options.challenge,
    kind: 'enrolment',
    inviteId: invite.id,
    createdAt: now,
    expiresAt: now + CONSOLE_CEREMONY_TTL_MS,
    usedAt: null,
  });
  return { options, email: invite.email, role: invite.role };
}
