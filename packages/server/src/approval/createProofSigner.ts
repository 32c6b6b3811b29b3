import {
  generateSigningKey,
  jwksDocument,
  signCompactJws,
  signProof,
  PROOF_TTL_DEFAULT_SECONDS,
  STAMP_TYPE,
  AUDIT_CHECKPOINT_TYPE,
  type AuditCheckpointClaims,
  type StampClaims,
  type ProofSigner,
  type SecretBox,
  type SigningKeyRecord,
  type SigningKeyStore,
} from '@keyra/core';

export interface ServerProofSigner extends ProofSigner {
  /** The `iss` of proofs and stamps: this server's public URL. */
  issuer(): string;
  /** Signs a stamp's claims (a `keyra-stamp+jwt` JWS) with the same key as proofs. */
  signStamp(claims: StampClaims, now: number): Promise<string>;
  /** Signs an OpenID ID token (`typ: JWT`) with the same key as proofs, so the JWKS verifies it. */
  signIdToken(claims: Record<string, unknown>, now: number): Promise<string>;
  /** Signs an audit checkpoint (a `keyra-audit-checkpoint+jwt` JWS) with the same key as proofs. */
  signAuditCheckpoint(claims: AuditCheckpointClaims, now: number): Promise<string>;
  /** The JWKS document: every key, retired ones included, so older proofs keep verifying. */
  jwks(): Promise<ReturnType<typeof jwksDocument>>;
}

/** Keys are re-read this often, so a rotation by `keyra signing-keys rotate` reaches every instance. */
const CACHE_MS = 30_000;

/** Creates the first signing key when there is none; returns the active (newest unretired) key. */
export async function ensureSigningKey(
  store: SigningKeyStore,
  box: SecretBox,
  now: number,
): Promise<SigningKeyRecord> {
  const active = (await store.listAll()).find((key) => key.retiredAt === null);
  if (active) return active;
  const key = await generateSigningKey(box, now);
  await store.insert(key);
  return key;
}

/** Rotation: a new active key; the others are retired but stay published. */
export async function rotateSigningKey(
  store: SigningKeyStore,
  box: SecretBox,
  now: number,
): Promise<SigningKeyRecord> {
  const key = await generateSigningKey(box, now);
  await store.insert(key);
  await store.retireAllExcept(key.kid, now);
  return key;
}

/** Signs proofs with the newest active key in the database (ES256, `jose`). */
export function createProofSigner(
  store: SigningKeyStore,
  box: SecretBox,
  issuer: string | (() => string),
  proofTtlSeconds: number = PROOF_TTL_DEFAULT_SECONDS,
): ServerProofSigner {
  let cache: { at: number; keys: SigningKeyRecord[] } | null = null;
  const keys = async (): Promise<SigningKeyRecord[]> => {
    if (!cache || Date.now() - cache.at > CACHE_MS)
      cache = { at: Date.now(), keys: await store.listAll() };
    return cache.keys;
  };
  const activeKey = async (now: number): Promise<SigningKeyRecord> => {
    const active = (await keys()).find((key) => key.retiredAt === null);
    if (active) return active;
    cache = null;
    return ensureSigningKey(store, box, now);
  };
  const issuerUrl = (): string => (typeof issuer === 'string' ? issuer : issuer());
  return {
    issuer: issuerUrl,
    async sign(subject, now) {
      const key = await activeKey(now);
      return (await signProof(key, box, issuerUrl(), subject, now, undefined, proofTtlSeconds)).jws;
    },
    async signStamp(claims, now) {
      return signCompactJws(await activeKey(now), box, { ...claims }, STAMP_TYPE);
    },
    async signAuditCheckpoint(claims, now) {
      return signCompactJws(await activeKey(now), box, { ...claims }, AUDIT_CHECKPOINT_TYPE);
    },
    async signIdToken(claims, now) {
      return signCompactJws(await activeKey(now), box, claims, 'JWT');
    },
    async jwks() {
      return jwksDocument(await keys());
    },
  };
}
