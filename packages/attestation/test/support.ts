import { generateKeyPairSync } from 'node:crypto';

/** A fresh P-256 public key as SPKI PEM: what a KEYRA ONE sends to be certified. */
export function deviceAttestationKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .publicKey.export({ format: 'pem', type: 'spki' })
    .toString();
}
