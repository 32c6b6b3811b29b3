import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Environment } from '@keyra/core';

/** What a device session token carries: the device and the scope it acts in. */
export interface DeviceSession {
  deviceId: string;
  tenantId: string;
  environment: Environment;
  expiresAt: number;
}

export interface DeviceSessionTokens {
  issue(session: DeviceSession): string;
  /** The session, or null for a forged, malformed or expired token. */
  read(token: string, now: number): DeviceSession | null;
}

export const DEVICE_SESSION_TTL_MS = 15 * 60 * 1000;

/**
 * Stateless session tokens for the device API: `dst_<claims>.<HMAC-SHA256>` under a key derived
 * from the server secret (every instance of a cluster shares it), compared in constant time.
 * A device obtains one by signing a fresh WebAuthn challenge with its own credential.
 */
export function createDeviceSessionTokens(serverSecret: Buffer): DeviceSessionTokens {
  const key = Buffer.from(
    hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'keyra:device-sessions', 32),
  );
  const mac = (body: string): Buffer => createHmac('sha256', key).update(body).digest();
  return {
    issue(session) {
      const body = Buffer.from(
        JSON.stringify([
          session.deviceId,
          session.tenantId,
          session.environment,
          session.expiresAt,
        ]),
      ).toString('base64url');
      return `dst_${body}.${mac(body).toString('base64url')}`;
    },
    read(token, now) {
      const match = /^dst_([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) return null;
      const [, body, signature] = match as unknown as [string, string, string];
      const expected = mac(body);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      try {
        const [deviceId, tenantId, environment, expiresAt] = JSON.parse(
          Buffer.from(body, 'base64url').toString('utf8'),
        ) as [string, string, Environment, number];
        if (typeof expiresAt !== 'number' || expiresAt <= now) return null;
        return { deviceId, tenantId, environment, expiresAt };
      } catch {
        return null;
      }
    },
  };
}
