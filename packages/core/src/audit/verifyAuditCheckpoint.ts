import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { PROOF_ALGORITHM } from '../proofs/signingKeys.js';
import {
  AUDIT_CHECKPOINT_TYPE,
  type AuditCheckpointClaims,
  type AuditCheckpointRecord,
} from './auditRecords.js';

/** Why a checkpoint does not hold, or null when its signature and claims match the record. */
export async function verifyAuditCheckpoint(
  checkpoint: AuditCheckpointRecord,
  jwks: { keys: JWK[] },
): Promise<string | null> {
  let claims: Partial<AuditCheckpointClaims>;
  try {
    const header = decodeProtectedHeader(checkpoint.signature);
    if (header.typ !== AUDIT_CHECKPOINT_TYPE) return `its JWS has typ ${String(header.typ)}`;
    const verified = await jwtVerify(checkpoint.signature, createLocalJWKSet(jwks), {
      algorithms: [PROOF_ALGORITHM],
      typ: AUDIT_CHECKPOINT_TYPE,
    });
    claims = verified.payload as Partial<AuditCheckpointClaims>;
  } catch (error) {
    return `its signature does not verify against the signing keys (${error instanceof Error ? error.message : String(error)})`;
  }
  if (claims.tenant_id !== checkpoint.tenantId)
    return 'its signed tenant differs from the stored one';
  if (claims.seq !== checkpoint.seq) return 'its signed seq differs from the stored one';
  if (claims.head_hash !== checkpoint.hash)
    return 'its signed head hash differs from the stored one';
  return null;
}
