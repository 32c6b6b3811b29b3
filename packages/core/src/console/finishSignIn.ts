import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { checkAuthenticationResponse } from '../credentials/checkAuthenticationResponse.js';
import { readClientData, responseCredentialId } from '../credentials/clientData.js';
import type { RelyingParty } from '../credentials/relyingParty.js';
import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { ConsoleStore } from './consoleRecords.js';
import { consoleOrigin } from './consoleOrigin.js';
import { createConsoleSession, type OpenedConsoleSession } from './createConsoleSession.js';
import type { ConsoleSessionPolicy } from './consoleTokens.js';

/**
 * Finishes a console sign-in and opens a session. Every refusal is the same
 * `console_sign_in_failed` from outside (the reason rides in `cause` for the log). Checks, in
 * order: the response is readable; its credential is an enrolled console passkey; its user is
 * active; it answers a sign-in challenge issued here, once; it comes from a console origin; the
 * signature, rpId and user verification verify; the signature counter moved forward (a counter
 * that did not may mean a cloned key) and no concurrent sign-in used the same counter.
 */
export async function finishSignIn(
  store: ConsoleStore,
  rp: RelyingParty,
  response: unknown,
  policy: ConsoleSessionPolicy,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<OpenedConsoleSession> {
  const refuse = (reason: string, cause?: unknown): never => {
    throw new KeyraError('console_sign_in_failed', 'Sign-in failed.', {
      cause: cause === undefined ? reason : new Error(reason, { cause }),
    });
  };
  let clientData;
  let credentialId;
  try {
    clientData = readClientData(response);
    credentialId = responseCredentialId(response);
  } catch (error) {
    return refuse('unreadable response', error);
  }
  const passkey = await store.findPasskey(credentialId);
  if (!passkey) return refuse('unknown passkey');
  const user = await store.findUser(passkey.tenantId, passkey.userId);
  if (!user || user.disabledAt !== null) return refuse('user disabled');
  const ceremony = await store.consumeCeremony(clientData.challenge, 'sign_in', now);
  if (!ceremony) return refuse('unknown, expired or used sign-in challenge');
  const origin = consoleOrigin(rp, clientData.origin);
  if (!origin) return refuse(`origin ${clientData.origin} is not a console origin`);
  let verification;
  try {
    verification = await checkAuthenticationResponse(
      response as AuthenticationResponseJSON,
      { challenge: ceremony.challenge, origin, rpId: rp.id },
      isoBase64URL.toBuffer(passkey.publicKey),
    );
  } catch (error) {
    return refuse(`signature check failed: ${(error as Error).message}`, error);
  }
  if (!verification.verified) return refuse('bad signature');
  const next = verification.newCounter;
  // Authenticators without a counter always send 0; one that counts must move forward.
  if ((next > 0 || passkey.counter > 0) && next <= passkey.counter)
    return refuse('counter did not increase');
  if (!(await store.recordPasskeyUse(passkey.credentialId, passkey.counter, next, now)))
    return refuse('counter already used by a concurrent sign-in');
  return createConsoleSession(store, user, policy, now, random);
}
