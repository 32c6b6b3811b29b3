import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { encodeCbor } from './cbor.js';

/** A new P-256 private key as PKCS#8 PEM. */
export function generateP256PrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Parses a PKCS#8 PEM P-256 private key, refusing any other kind of key. */
export function p256PrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('expected an EC P-256 private key');
  }
  return key;
}

/** ECDSA P-256 / SHA-256 signature over `data`, DER-encoded as WebAuthn requires. */
export function signEs256(privateKey: KeyObject | string, data: Buffer): Buffer {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return sign('sha256', data, { key, dsaEncoding: 'der' });
}

/** The public half of a private key as SPKI DER. */
export function spkiOf(privateKey: KeyObject | string): Buffer {
  return publicKeyOf(privateKey).export({ format: 'der', type: 'spki' });
}

/** The COSE_Key (RFC 9053 EC2) of a P-256 public key: `{1: 2, 3: -7, -1: 1, -2: x, -3: y}`. */
export function coseKeyOf(privateKey: KeyObject | string): Buffer {
  const jwk = publicKeyOf(privateKey).export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new TypeError('expected a P-256 key');
  return encodeCbor(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x, 'base64url')],
      [-3, Buffer.from(jwk.y, 'base64url')],
    ]),
  );
}

export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function publicKeyOf(privateKey: KeyObject | string): KeyObject {
  return typeof privateKey === 'string' ? createPublicKey(privateKey) : createPublicKey(privateKey);
}
