import { createHash } from 'node:crypto';
import { importJWK, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';
import type { EpochMs, Environment } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { SecretBox } from '../secrets/createSecretBox.js';
import { canonicalJson } from '../internal/canonicalJson.js';
import { PROOF_ALGORITHM, type SigningKeyRecord } from './signingKeys.js';

/** The media type in the JWS header, so a proof is never mistaken for another kind of token. */
export const PROOF_TYPE = 'keyra-proof+jwt';

export type ProofMethod = 'device' | 'passkey' | 'voice';

/** One approver of a quorum proof, in its `approvers` claim. */
export interface ProofApprover {
  /** The approver's user id. */
  sub: string;
  method: ProofMethod;
  deviceId: string;
  /** When their approval was verified (Unix seconds). */
  at: number;
}

export interface ProofSubject {
  challengeId: string;
  action: string;
  /** The approving human; for a quorum challenge, the challenge id (the humans are in `approvers`). */
  userId: string;
  payload: Record<string, unknown>;
  /** Hex challenge digest the human's signature covered. */
  challengeDigest: string;
  environment: Environment;
  method: ProofMethod;
  deviceId: string | null;
  /** The relying party the proof is for: its `aud` claim. */
  audience: string;
  /** A quorum challenge's approvals, oldest first: the proof's `approvers` claim. */
  approvers?: ProofApprover[];
}

/** How long a proof is valid by default: a day, enough for a webhook retried for hours. */
export const PROOF_TTL_DEFAULT_SECONDS = 86_400;

/** The claims of a proof JWS, as the SDKs read them. */
export interface ProofClaims {
  iss: string;
  sub: string;
  jti: string;
  /** The relying party the proof is for (the challenge's audience). */
  aud: string;
  iat: number;
  /** After this (Unix seconds) the proof no longer authorizes anything. */
  exp: number;
  challengeId: string;
  action: string;
  /** Hex SHA-256 of the RFC 8785 canonical payload. */
  payloadDigest: string;
  challengeDigest: string;
  method: ProofMethod;
  deviceId: string | null;
  env: Environment;
  /**
   * Only in the proof of a quorum challenge: every approval that counted, oldest first. `sub` is
   * then the challenge id, and `method`/`deviceId` are those of the approval that completed it.
   */
  approvers?: ProofApprover[];
}

/** Hex SHA-256 of a payload's canonical JSON. */
export function payloadDigest(payload: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(payload), 'utf8').digest('hex');
}

/**
 * Signs the proof that a human approved a challenge: a compact JWS (ES256) verifiable offline with
 * the keys at `/.well-known/jwks.json`.
 */
export async function signProof(
  key: SigningKeyRecord,
  box: SecretBox,
  issuer: string,
  subject: ProofSubject,
  now: EpochMs,
  random: RandomBytes = systemRandom,
  ttlSeconds: number = PROOF_TTL_DEFAULT_SECONDS,
): Promise<{ jws: string; claims: ProofClaims }> {
  const iat = Math.floor(now / 1000);
  const claims: ProofClaims = {
    iss: issuer,
    sub: subject.userId,
    jti: newId('proof', random),
    aud: subject.audience,
    iat,
    exp: iat + ttlSeconds,
    challengeId: subject.challengeId,
    action: subject.action,
    payloadDigest: payloadDigest(subject.payload),
    challengeDigest: subject.challengeDigest,
    method: subject.method,
    deviceId: subject.deviceId,
    env: subject.environment,
    ...(subject.approvers ? { approvers: subject.approvers } : {}),
  };
  return { jws: await signCompactJws(key, box, { ...claims }, PROOF_TYPE), claims };
}

/** A compact ES256 JWS of `claims` with the server key `key` (private half unsealed from `box`). */
export async function signCompactJws(
  key: SigningKeyRecord,
  box: SecretBox,
  claims: Record<string, unknown>,
  type: string,
): Promise<string> {
  const privateKey = await privateKeyOf(key, box);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: PROOF_ALGORITHM, kid: key.kid, typ: type })
    .sign(privateKey);
}

type PrivateKey = CryptoKey | KeyObject | Uint8Array;

/**
 * Unsealed, imported private keys, per secret box and kid. Unsealing and importing cost more than
 * the signature itself, and a server signs with the same few keys for months. The sealed text is
 * part of the cache key, so a different record under the same kid is never signed with a stale key.
 */
const importedKeys = new WeakMap<SecretBox, Map<string, Promise<PrivateKey>>>();

function privateKeyOf(key: SigningKeyRecord, box: SecretBox): Promise<PrivateKey> {
  let byKid = importedKeys.get(box);
  if (!byKid) {
    byKid = new Map();
    importedKeys.set(box, byKid);
  }
  const cacheKey = `${key.kid}.${key.sealedPrivateJwk}`;
  let imported = byKid.get(cacheKey);
  if (!imported) {
    const privateJwk = JSON.parse(box.open(key.sealedPrivateJwk, key.kid).toString('utf8')) as JWK;
    imported = importJWK(privateJwk, PROOF_ALGORITHM);
    // A failed import is not cached: the next signature tries again and reports the error.
    imported.catch(() => byKid.delete(cacheKey));
    byKid.set(cacheKey, imported);
  }
  return imported;
}
