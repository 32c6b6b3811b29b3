import type { EpochMs } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { AuditStore, Storage } from '../ports.js';
import type { StampIssuer } from '../stamps/stampRecords.js';
import type { AuditCheckpointClaims, AuditCheckpointRecord } from './auditRecords.js';

/** Signs checkpoint claims with the proof keys (the server's current key, `kid` in the header). */
export interface AuditCheckpointSigner {
  issuer(): string;
  signAuditCheckpoint(claims: AuditCheckpointClaims, now: EpochMs): Promise<string>;
}

/**
 * Stamps each checkpoint (EAS off-chain attestation, and the on-chain mirror where the tenant's
 * plan and the configuration call for one), stored with it in one transaction.
 */
export interface AuditCheckpointStamping {
  issuer: StampIssuer;
  storage: Pick<Storage, 'transaction'>;
}

export interface CreateAuditCheckpointDeps {
  audit: Pick<AuditStore, 'head' | 'insertCheckpoint'>;
  signer: AuditCheckpointSigner;
  /** Absent (or null) when EAS is not installed: the checkpoint is then signed only. */
  stamping?: AuditCheckpointStamping | null;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Signs the tenant's current chain head: a JWS with the tenant, seq and head hash, made with the
 * proof signing key (so it verifies against `/.well-known/jwks.json`), and stored. A rewrite of the
 * chain up to that seq, even a consistent one by someone with database access, no longer reaches
 * the signed hash. With stamping, the checkpoint's JWS is also stamped (method `audit_checkpoint`,
 * in the production environment), so its time and hash are attested outside the operator's reach.
 */
export async function createAuditCheckpoint(
  tenantId: string,
  deps: CreateAuditCheckpointDeps,
): Promise<AuditCheckpointRecord> {
  const head = await deps.audit.head(tenantId);
  const id = newId('auditCheckpoint', deps.random ?? systemRandom);
  const signature = await deps.signer.signAuditCheckpoint(
    {
      iss: deps.signer.issuer(),
      iat: Math.floor(deps.now / 1000),
      jti: id,
      tenant_id: tenantId,
      seq: head.seq,
      head_hash: head.hash,
    },
    deps.now,
  );
  const checkpoint: AuditCheckpointRecord = {
    id,
    tenantId,
    seq: head.seq,
    hash: head.hash,
    signature,
    createdAt: deps.now,
    stampId: null,
  };
  const stamping = deps.stamping;
  if (!stamping) {
    await deps.audit.insertCheckpoint(checkpoint);
    return checkpoint;
  }
  const stamp = await stamping.issuer.issue(
    { tenantId, environment: 'production' },
    { subjectId: id, method: 'audit_checkpoint', proof: signature },
    deps.now,
  );
  const stamped = { ...checkpoint, stampId: stamp.id };
  await stamping.storage.transaction(async (tx) => {
    await tx.stamps.insert(stamp);
    await tx.audit.insertCheckpoint(stamped);
  });
  return stamped;
}
