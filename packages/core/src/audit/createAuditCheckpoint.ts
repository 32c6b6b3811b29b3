import type { EpochMs } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { AuditStore } from '../ports.js';
import type { AuditCheckpointClaims, AuditCheckpointRecord } from './auditRecords.js';

/** Signs checkpoint claims with the proof keys (the server's current key, `kid` in the header). */
export interface AuditCheckpointSigner {
  issuer(): string;
  signAuditCheckpoint(claims: AuditCheckpointClaims, now: EpochMs): Promise<string>;
}

export interface CreateAuditCheckpointDeps {
  audit: Pick<AuditStore, 'head' | 'insertCheckpoint'>;
  signer: AuditCheckpointSigner;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Signs the tenant's current chain head: a JWS with the tenant, seq and head hash, made with the
 * proof signing key (so it verifies against `/.well-known/jwks.json`), and stored. A rewrite of the chain up to that seq, even a consistent one by someone
 * with database access, no longer reaches the signed hash.
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
  await deps.audit.insertCheckpoint(checkpoint);
  return checkpoint;
}
