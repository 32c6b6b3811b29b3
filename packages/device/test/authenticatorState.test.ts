import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveChallenge,
  KEYRA_ONE_ORIGIN,
  loadAuthenticatorState,
  makeCredential,
  parseAuthenticatorState,
  saveAuthenticatorState,
  type AuthenticatorState,
} from '../src/index.js';
import { RP_ID, provisionedDevice, registrationOptions, simulatorRoot } from './support.js';

const DIGEST = 'ab'.repeat(32);
let dir: string;
let state: AuthenticatorState;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyra-device-'));
  const creation = await registrationOptions();
  const registered = makeCredential(await provisionedDevice(await simulatorRoot()), creation, {
    origin: KEYRA_ONE_ORIGIN,
  });
  state = registered.state;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveAuthenticatorState / loadAuthenticatorState', () => {
  it('round-trips through a 0600 file in a directory it creates', async () => {
    const path = join(dir, 'nested', 'deeper', 'device.json');
    await saveAuthenticatorState(path, state);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o077).toBe(0);
    expect(await loadAuthenticatorState(path)).toEqual(state);
    expect(await readdir(join(dir, 'nested', 'deeper'))).toEqual(['device.json']);
  });

  it('overwrites atomically and makes an existing wider file 0600', async () => {
    const path = join(dir, 'device.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await saveAuthenticatorState(path, state);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const signed = approveChallenge(state, { digestHex: DIGEST, rpId: RP_ID });
    await saveAuthenticatorState(path, signed.state);
    expect((await loadAuthenticatorState(path)).credentials[0]!.signCount).toBe(1);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps a working device: a reloaded state registers and signs verifiable answers', async () => {
    const path = join(dir, 'reloaded.json');
    await saveAuthenticatorState(path, state);
    const reloaded = await loadAuthenticatorState(path);
    const creation = await registrationOptions();
    const registered = makeCredential(reloaded, creation, { origin: KEYRA_ONE_ORIGIN });
    const { registrationInfo } = await verifyRegistrationResponse({
      response: registered.response,
      expectedChallenge: creation.challenge,
      expectedOrigin: KEYRA_ONE_ORIGIN,
      expectedRPID: RP_ID,
    });
    const { response } = approveChallenge(registered.state, {
      digestHex: DIGEST,
      rpId: RP_ID,
      credentialId: registered.response.id,
    });
    const { verified } = await verifyAuthenticationResponse({
      response,
      expectedChallenge: Buffer.from(DIGEST, 'hex').toString('base64url'),
      expectedOrigin: KEYRA_ONE_ORIGIN,
      expectedRPID: RP_ID,
      credential: registrationInfo!.credential,
    });
    expect(verified).toBe(true);
  });

  it('names the file and the problem when loading fails', async () => {
    await expect(loadAuthenticatorState(join(dir, 'missing.json'))).rejects.toThrow(
      /no KEYRA ONE state at .*missing\.json/,
    );
    const notJson = join(dir, 'not-json.json');
    await writeFile(notJson, '{oops');
    await expect(loadAuthenticatorState(notJson)).rejects.toThrow(
      /not-json\.json is not valid JSON/,
    );
    const wrong = join(dir, 'wrong.json');
    const broken = { ...state, credentials: [{ ...state.credentials[0], signCount: -1 }] };
    await writeFile(wrong, JSON.stringify(broken));
    await expect(loadAuthenticatorState(wrong)).rejects.toThrow(
      /wrong\.json: invalid KEYRA ONE state: credentials\[0\]\.signCount must be a 32-bit unsigned integer/,
    );
  });
});

describe('parseAuthenticatorState', () => {
  it('accepts a state and drops unknown fields', () => {
    const json = JSON.parse(JSON.stringify({ ...state, extra: true })) as unknown;
    expect(parseAuthenticatorState(json)).toEqual(state);
  });

  it.each([
    ['a non-object', [], /state must be an object/],
    ['another version', { version: 2 }, /version must be 1/],
    ['a bad AAGUID', { aaguid: 'nope' }, /aaguid must be a lowercase UUID/],
    ['a missing key', { attestationPrivateKey: undefined }, /attestationPrivateKey must be/],
    ['a non-PEM certificate', { attestationCertificateChain: ['x'] }, /\[0\] must be a PEM/],
    ['non-array credentials', { credentials: {} }, /credentials must be an array/],
  ])('refuses %s', (_name, change, message) => {
    const value = Array.isArray(change) ? change : { ...state, ...change };
    expect(() => parseAuthenticatorState(value)).toThrow(message);
  });

  it('refuses a credential id that is not base64url', () => {
    const bad = { ...state, credentials: [{ ...state.credentials[0], credentialId: 'a+b/' }] };
    expect(() => parseAuthenticatorState(bad)).toThrow(
      /credentials\[0\]\.credentialId must be base64url/,
    );
  });
});
