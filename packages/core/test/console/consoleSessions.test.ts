import { createAuthenticator, getAssertion, makeCredential } from '@keyra/device';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  beginEnrolment,
  beginSignIn,
  changeConsoleRole,
  checkConsoleCsrf,
  consoleCsrfToken,
  disableConsoleUser,
  finishEnrolment,
  finishSignIn,
  hasConsoleRole,
  inviteConsoleUser,
  resolveSession,
  signOut,
  signOutEverywhere,
  type ConsoleRole,
  type ConsoleSessionPolicy,
  type RelyingParty,
} from '../../src/index.js';
import { openTestStorage, T0, type TestStorage } from '../helpers/openTestStorage.js';
import { expectKeyraError } from '../support/expectKeyraError.js';

const ORIGIN = 'https://console.example.com';
const RP: RelyingParty = {
  id: 'console.example.com',
  name: 'KEYRA',
  origins: [ORIGIN],
  allowLocalhostOrigins: false,
};
const POLICY: ConsoleSessionPolicy = { idleTimeoutMs: 10_000, absoluteTimeoutMs: 100_000 };
/** Deterministic randomness: the verbs take it as a seam. */
let seed = 0;
const random = (n: number): Uint8Array => {
  seed += 1;
  return new Uint8Array(n).map((_, i) => (seed * 31 + i * 7) % 256);
};

let t: TestStorage;
beforeEach(async () => {
  t = await openTestStorage();
});
afterEach(async () => {
  await t.storage.close();
});

async function enrolled(email: string, role: ConsoleRole, now = T0) {
  const { token } = await inviteConsoleUser(
    t.storage.console,
    { tenantId: t.scope.tenantId, email, role, invitedBy: null },
    now,
    random,
  );
  const { options } = await beginEnrolment(t.storage.console, RP, token, now);
  const made = makeCredential(createAuthenticator(), options, { origin: ORIGIN });
  const opened = await finishEnrolment(
    t.storage,
    RP,
    { token, response: made.response },
    POLICY,
    now,
    random,
  );
  return { ...opened, state: made.state };
}

describe('console roles', () => {
  it('orders viewer < developer < admin < owner', () => {
    expect(hasConsoleRole('owner', 'admin')).toBe(true);
    expect(hasConsoleRole('admin', 'admin')).toBe(true);
    expect(hasConsoleRole('developer', 'admin')).toBe(false);
    expect(hasConsoleRole('viewer', 'developer')).toBe(false);
  });

  it('lets only owners change roles, never demoting the last owner', async () => {
    const owner = await enrolled('ada@example.com', 'owner');
    const admin = await enrolled('bob@example.com', 'admin');
    await expectKeyraError(
      changeConsoleRole(t.storage.console, admin.user, owner.user.id, 'viewer'),
      'console_role_insufficient',
    );
    await expectKeyraError(
      changeConsoleRole(t.storage.console, owner.user, owner.user.id, 'admin'),
      'console_last_owner',
    );
    await expectKeyraError(
      disableConsoleUser(t.storage, owner.user, owner.user.id, T0),
      'console_last_owner',
    );
    const promoted = await changeConsoleRole(t.storage.console, owner.user, admin.user.id, 'owner');
    expect(promoted.role).toBe('owner');
    await disableConsoleUser(t.storage, promoted, owner.user.id, T0 + 1);
    await expectKeyraError(
      resolveSession(t.storage.console, owner.token, T0 + 2),
      'console_session_invalid',
    );
  });
});

describe('console sessions', () => {
  it('ends after idle time, slides with use, and ends at the absolute limit', async () => {
    const { token } = await enrolled('ada@example.com', 'owner');
    // Exactly at the idle limit the session is over.
    await expectKeyraError(
      resolveSession(t.storage.console, token, T0 + POLICY.idleTimeoutMs),
      'console_session_invalid',
    );
    const fresh = await enrolled('bob@example.com', 'viewer');
    let now = T0;
    // Used every 5 s, it outlives many idle timeouts, up to its absolute end.
    for (let i = 0; i < 19; i++) {
      now += 5_000;
      const resolved = await resolveSession(t.storage.console, fresh.token, now);
      expect(resolved.user.email).toBe('bob@example.com');
    }
    const error = await expectKeyraError(
      resolveSession(t.storage.console, fresh.token, T0 + POLICY.absoluteTimeoutMs),
      'console_session_invalid',
    );
    expect(error.cause).toBe('absolute timeout');
  });

  it('derives the CSRF token from the session secret and compares it in full', async () => {
    const { token, csrfToken } = await enrolled('ada@example.com', 'owner');
    expect(csrfToken).toBe(consoleCsrfToken(token));
    expect(() => checkConsoleCsrf(token, csrfToken)).not.toThrow();
    expect(() => checkConsoleCsrf(token, undefined)).toThrow(/X-CSRF-Token/);
    expect(() => checkConsoleCsrf(token, csrfToken.slice(1))).toThrow(/X-CSRF-Token/);
    expect(() => checkConsoleCsrf(`${token}x`, csrfToken)).toThrow(/X-CSRF-Token/);
  });

  it('signs in with the enrolled passkey once per challenge, then signs out everywhere', async () => {
    const ada = await enrolled('ada@example.com', 'owner');
    const options = await beginSignIn(t.storage.console, RP, T0);
    expect(options.allowCredentials ?? []).toEqual([]);
    const asserted = getAssertion(ada.state, options, { origin: ORIGIN });
    const second = await finishSignIn(t.storage.console, RP, asserted.response, POLICY, T0, random);
    expect(second.user.id).toBe(ada.user.id);
    const replay = await expectKeyraError(
      finishSignIn(t.storage.console, RP, asserted.response, POLICY, T0, random),
      'console_sign_in_failed',
    );
    expect(replay.message).toBe('Sign-in failed.');

    await signOut(t.storage.console, second.token, T0 + 1);
    await expectKeyraError(
      resolveSession(t.storage.console, second.token, T0 + 2),
      'console_session_invalid',
    );
    expect(await signOutEverywhere(t.storage.console, ada.user, T0 + 3)).toBe(1);
    await expectKeyraError(
      resolveSession(t.storage.console, ada.token, T0 + 4),
      'console_session_invalid',
    );
  });

  it('refuses an invite for an email that already has a user, and a malformed email', async () => {
    await enrolled('ada@example.com', 'owner');
    await expectKeyraError(
      inviteConsoleUser(
        t.storage.console,
        { tenantId: t.scope.tenantId, email: ' ADA@example.com ', role: 'viewer', invitedBy: null },
        T0,
      ),
      'console_user_exists',
    );
    await expectKeyraError(
      inviteConsoleUser(
        t.storage.console,
        { tenantId: t.scope.tenantId, email: 'ada', role: 'viewer', invitedBy: null },
        T0,
      ),
      'validation_failed',
    );
    // Another tenant may invite the same address.
    const other = await inviteConsoleUser(
      t.storage.console,
      {
        tenantId: t.otherTenant.tenantId,
        email: 'ada@example.com',
        role: 'viewer',
        invitedBy: null,
      },
      T0,
    );
    expect(other.invite.email).toBe('ada@example.com');
  });
});
