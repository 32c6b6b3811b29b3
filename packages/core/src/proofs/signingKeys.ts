import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { EpochMs } from '../domain.js';
import type { SecretBox } from '../secrets/createSecretBox.js';

/** The algorithm of every proof signature: ECDSA P-256 with SHA-256. */
export const PROOF_ALGORITHM = 'ES256';

/** A server signing key. The private half is stored only sealed under the server secret. */
export interface SigningKeyRecord {
  /** RFC 7638 JWK thumbprint of the public key. */
  kid: string;
  algorithm: typeof PROOF_ALGORITHM;
  publicJwk: JWK;
  /** The private JWK as JSON, sealed by the `signing-keys` secret box with the kid as associated data. */
  sealedPrivateJwk: string;
  createdAt: EpochMs;
  /** Retired keys no longer sign but stay published so older proofs still verify. */
  retiredAt: EpochMs | null;
}

export async function generateSigningKey(box: SecretBox, now: EpochMs): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(PROOF_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    algorithm: PROOF_ALGORITHM,
    publicJwk: { ...publicJwk, kid, alg: PROOF_ALGORITHM, use: 'sig' },
    sealedPrivateJwk: box.seal(JSON.stringify(privateJwk), kid),
    createdAt: now,
    retiredAt: null,
  };
}

/** The JWKS document published at `/.well-known/jwks.json`: active and retired public keys. */
export function jwksDocument(keys: readonly SigningKeyRecord[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}
