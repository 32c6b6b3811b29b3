import type { EpochMs } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { AuditStore } from '../ports.js';
import type { AuditCheckpointClaims, AuditCheckpointRecord } from './auditRecords.js';

/** Signs checkpoint claims with the proof keys (the server's current key, `kid` in the header). */
export interface AuditCheckpointSigner {
  issuer(): string;
  signAuditCheckpoint(claims: AuditCheckpointClaims, now: EpochMs): Promise<string>;
}

/**
 * Stamps a signed checkpoint (an EAS off-chain attestation of the SHA-256 of its JWS) and stores
 * the stamp; returns the stamp id, or null when stamping is not configured.
 */
export type AuditCheckpointStamper = (checkpoint: AuditCheckpointRecord) => Promise<string | null>;

export interface CreateAuditCheckpointDeps {
  audit: Pick<AuditStore, 'head' | 'insertCheckpoint' | 'listCheckpoints'>;
  signer: AuditCheckpointSigner;
  stamper?: AuditCheckpointStamper;
  now: EpochMs;
  random?: RandomBytes;
  /** Skip (return null) when the newest checkpoint already names the current head (the periodic job). */
  onlyIfChanged?: boolean;
}

/**
 * Signs the tenant's current chain head: a JWS with the tenant, seq and head hash, made with the
 * proof signing key (so it verifies against `/.well-known/jwks.json`), stamped when EAS is
 * configured, and stored. A rewrite of the chain up to that seq, even a consistent one by someone
 * with database access, no longer reaches the signed hash.
 */
export async function createAuditCheckpoint(
  tenantId: string,
  deps: CreateAuditCheckpointDeps,
): Promise<AuditCheckpointRecord | null> {
  const head = await deps.audit.head(tenantId);
  if (deps.onlyIfChanged) {
    const [latest] = await deps.audit.listCheckpoints(tenantId, 1);
    if (head.seq === 0 || (latest && latest.seq === head.seq && latest.hash === head.hash))
      return null;
  }
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
  const stampId = deps.stamper ? await deps.stamper(checkpoint) : null;
  const stored = { ...checkpoint, stampId };
  await deps.audit.insertCheckpoint(stored);
  return stored;
}
