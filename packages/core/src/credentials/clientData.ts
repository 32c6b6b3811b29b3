import { createHash } from 'node:crypto';
import { KeyraError } from '../errors.js';

export interface ClientData {
  type: string;
  challenge: string;
  origin: string;
}

/**
 * Reads `clientDataJSON` (base64url) from a WebAuthn response before full verification, to find
 * which ceremony or decision it answers. Anything unreadable is `attestation_invalid`.
 */
export function readClientData(response: unknown): ClientData {
  const encoded = (response as { response?: { clientDataJSON?: unknown } } | null)?.response
    ?.clientDataJSON;
  if (typeof encoded !== 'string' || encoded.length > 4096) {
    throw new KeyraError(
      'attestation_invalid',
      'The WebAuthn response has no readable clientDataJSON.',
    );
  }
  try {
    const parsed = JSON.parse(
      Buffer.from(encoded, 'base64url').toString('utf8'),
    ) as Partial<ClientData>;
    if (
      typeof parsed.challenge === 'string' &&
      typeof parsed.origin === 'string' &&
      typeof parsed.type === 'string'
    ) {
      return { type: parsed.type, challenge: parsed.challenge, origin: parsed.origin };
    }
  } catch {
    // fall through
  }
  throw new KeyraError(
    'attestation_invalid',
    'The WebAuthn response has no readable clientDataJSON.',
  );
}

/** The credential id a WebAuthn response claims (`id`). */
export function responseCredentialId(response: unknown): string {
  const id = (response as { id?: unknown } | null)?.id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,1366}$/.test(id)) {
    throw new KeyraError(
      'attestation_invalid',
      'The WebAuthn response has no valid credential id.',
    );
  }
  return id;
}

/** A stable, non-identifying WebAuthn user handle for a user of a tenant (no personal data). */
export function userHandle(
  tenantId: string,
  environment: string,
  userId: string,
): Uint8Array<ArrayBuffer> {
  const digest = createHash('sha256').update(`${tenantId}\n${environment}\n${userId}`).digest();
  return new Uint8Array(digest.subarray(0, 16));
}
