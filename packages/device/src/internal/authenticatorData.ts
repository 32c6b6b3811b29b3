import { createHash } from 'node:crypto';

/** Authenticator data flags (WebAuthn §6.1). */
export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_AT = 0x40;

export interface AuthenticatorDataInput {
  rpId: string;
  flags: number;
  signCount: number;
  /** aaguid ‖ credentialIdLength ‖ credentialId ‖ COSE key, when registering. */
  attestedCredentialData?: Buffer;
}

/** `rpIdHash ‖ flags ‖ signCount ‖ attestedCredentialData?` (WebAuthn §6.1). */
export function buildAuthenticatorData(input: AuthenticatorDataInput): Buffer {
  const rpIdHash = createHash('sha256').update(input.rpId, 'utf8').digest();
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(input.signCount >>> 0);
  return Buffer.concat([
    rpIdHash,
    Buffer.from([input.flags]),
    counter,
    input.attestedCredentialData ?? Buffer.alloc(0),
  ]);
}

/** `aaguid ‖ L ‖ credentialId ‖ credentialPublicKey` (WebAuthn §6.5.1). */
export function buildAttestedCredentialData(
  aaguid: Buffer,
  credentialId: Buffer,
  coseKey: Buffer,
): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(credentialId.length);
  return Buffer.concat([aaguid, length, credentialId, coseKey]);
}
