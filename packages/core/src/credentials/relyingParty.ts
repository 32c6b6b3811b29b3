import type { Environment } from '../domain.js';

/**
 * Who the WebAuthn ceremonies are for. Browser passkeys sign for `id` from one of `origins`;
 * KEYRA ONE devices sign from their own documented origin (`keyraOneOrigin`).
 */
export interface RelyingParty {
  id: string;
  name: string;
  /** Web origins allowed for passkeys, e.g. `https://app.example.com`. */
  origins: readonly string[];
  /** Development mode: any `http://localhost:PORT` origin is accepted too. */
  allowLocalhostOrigins: boolean;
}

/** What the server trusts about KEYRA ONE attestation, by environment. */
export interface DeviceTrust {
  /** The origin a KEYRA ONE writes into clientDataJSON. */
  keyraOneOrigin: string;
  /** Checks an attestation certificate chain (leaf first, DER) against the environment's roots. */
  verifyChain(
    x5c: readonly Uint8Array[],
    environment: Environment,
    now: number,
  ): Promise<{ trusted: boolean; rootFingerprint?: string; reason?: string }>;
}

/** The origins a response from `origin` may be checked against, or null when it is not allowed. */
export function acceptedOrigin(
  rp: RelyingParty,
  trust: DeviceTrust,
  origin: string,
): string | null {
  if (origin === trust.keyraOneOrigin) return origin;
  if (rp.origins.includes(origin)) return origin;
  if (rp.allowLocalhostOrigins && /^http:\/\/localhost(:\d{1,5})?$/.test(origin)) return origin;
  return null;
}
