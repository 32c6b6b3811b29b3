import type { EpochMs } from '../domain.js';
import type { RandomBytes } from '../ids.js';
import type { AuditStore } from '../ports.js';
import type { AuditCheckpointRecord } from './auditRecords.js';
import {
  createAuditCheckpoint,
  type AuditCheckpointSigner,
  type AuditCheckpointStamping,
} from './createAuditCheckpoint.js';

export interface CheckpointAuditHeadsDeps {
  audit: Pick<AuditStore, 'head' | 'insertCheckpoint' | 'listCheckpoints' | 'tenantsWithChains'>;
  signer: AuditCheckpointSigner;
  stamping?: AuditCheckpointStamping | null;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * One run of the periodic checkpoint job: signs the head of every tenant chain that moved since
 * its newest checkpoint (and has at least one entry). Several instances may run it at once; at
 * worst a head is signed twice, which is harmless. Returns the checkpoints created.
 */
export async function checkpointAuditHeads(
  deps: CheckpointAuditHeadsDeps,
): Promise<AuditCheckpointRecord[]> {
  const created: AuditCheckpointRecord[] = [];
  for (const tenantId of await deps.audit.tenantsWithChains()) {
    const head = await deps.audit.head(tenantId);
    const [latest] = await deps.audit.listCheckpoints(tenantId, 1);
    if (head.seq === 0 || (latest && latest.seq === head.seq && latest.hash === head.hash))
      continue;
    created.push(await createAuditCheckpoint(tenantId, deps));
  }
  return created;
}
