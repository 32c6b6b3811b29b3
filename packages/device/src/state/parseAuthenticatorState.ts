import { isAaguid } from '@keyra/attestation';
import type {
  AuthenticatorState,
  DevicePairing,
  StoredCredential,
} from '../authenticator/authenticatorState.js';

/**
 * Checks that `value` (parsed JSON) is an {@link AuthenticatorState} and returns a clean copy of it
 * (unknown fields dropped). Throws `TypeError` naming the first bad field, e.g.
 * `invalid KEYRA ONE state: credentials[0].signCount must be a 32-bit unsigned integer`.
 */
export function parseAuthenticatorState(value: unknown): AuthenticatorState {
  const root = record(value, 'state');
  if (root.version !== 1) fail('version must be 1');
  const aaguid = text(root.aaguid, 'aaguid');
  if (!isAaguid(aaguid)) fail('aaguid must be a lowercase UUID');
  const chain = list(root.attestationCertificateChain, 'attestationCertificateChain');
  const credentials = list(root.credentials, 'credentials');
  const state: AuthenticatorState = {
    version: 1,
    aaguid,
    attestationPrivateKey: pem(root.attestationPrivateKey, 'attestationPrivateKey', 'PRIVATE KEY'),
    attestationCertificateChain: chain.map((c, i) =>
      pem(c, `attestationCertificateChain[${i}]`, 'CERTIFICATE'),
    ),
    credentials: credentials.map((c, i) => credential(c, `credentials[${i}]`)),
  };
  if (root.pairing !== undefined) {
    state.pairing = pairing(root.pairing);
    const { credentialId, rpId } = state.pairing;
    if (!state.credentials.some((c) => c.credentialId === credentialId && c.rpId === rpId)) {
      fail('pairing.credentialId must name one of credentials for pairing.rpId');
    }
  }
  return state;
}

function pairing(value: unknown): DevicePairing {
  const p = record(value, 'pairing');
  const api = text(p.api, 'pairing.api');
  if (!/^https?:\/\/[^/]/.test(api)) fail('pairing.api must be an http(s) URL');
  const result: DevicePairing = {
    api,
    deviceId: text(p.deviceId, 'pairing.deviceId'),
    userId: text(p.userId, 'pairing.userId'),
    rpId: text(p.rpId, 'pairing.rpId'),
    credentialId: base64url(p.credentialId, 'pairing.credentialId'),
    pairedAt: timestamp(p.pairedAt, 'pairing.pairedAt'),
  };
  if (p.session !== undefined) {
    const s = record(p.session, 'pairing.session');
    result.session = {
      token: text(s.token, 'pairing.session.token'),
      expiresAt: timestamp(s.expiresAt, 'pairing.session.expiresAt'),
    };
  }
  return result;
}

function timestamp(value: unknown, path: string): string {
  const s = text(value, path);
  if (Number.isNaN(Date.parse(s))) fail(`${path} must be an RFC 3339 timestamp`);
  return s;
}

function credential(value: unknown, path: string): StoredCredential {
  const c = record(value, path);
  const signCount = c.signCount;
  if (
    typeof signCount !== 'number' ||
    !Number.isInteger(signCount) ||
    signCount < 0 ||
    signCount > 0xffffffff
  ) {
    fail(`${path}.signCount must be a 32-bit unsigned integer`);
  }
  return {
    credentialId: base64url(c.credentialId, `${path}.credentialId`),
    rpId: text(c.rpId, `${path}.rpId`),
    userHandle: base64url(c.userHandle, `${path}.userHandle`),
    privateKey: pem(c.privateKey, `${path}.privateKey`, 'PRIVATE KEY'),
    signCount,
  };
}

function fail(message: string): never {
  throw new TypeError(`invalid KEYRA ONE state: ${message}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${path} must be an object`);
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(`${path} must be an array`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) fail(`${path} must be a non-empty string`);
  return value;
}

function base64url(value: unknown, path: string): string {
  const s = text(value, path);
  if (!/^[A-Za-z0-9_-]+$/.test(s)) fail(`${path} must be base64url`);
  return s;
}

function pem(value: unknown, path: string, label: string): string {
  const s = text(value, path);
  if (!s.includes(`-----BEGIN ${label}-----`)) fail(`${path} must be a PEM ${label}`);
  return s;
}
