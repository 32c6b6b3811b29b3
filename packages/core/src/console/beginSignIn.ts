import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { RelyingParty } from '../credentials/relyingParty.js';
import type { EpochMs } from '../domain.js';
import type { ConsoleStore } from './consoleRecords.js';
import { CONSOLE_CEREMONY_TTL_MS } from './consoleTokens.js';

/**
 * Starts a console sign-in: WebAuthn request options with user verification required and no
 * credential list, so the browser offers the console passkeys it holds and nobody types (or
 * probes) an email. The challenge is remembered once.
 */
export async function beginSignIn(
  store: Pick<ConsoleStore, 'insertCeremony'>,
  rp: RelyingParty,
  now: EpochMs,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    timeout: CONSOLE_CEREMONY_TTL_MS,
  });
  await store.insertCeremony({
    challenge: options.challenge,
    kind: 'sign_in',
    inviteId: null,
    createdAt: now,
    expiresAt: now + CONSOLE_CEREMONY_TTL_MS,
    usedAt: null,
  });
  return options;
}
