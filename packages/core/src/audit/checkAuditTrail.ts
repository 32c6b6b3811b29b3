import type { AuditStore, SigningKeyStore } from '../ports.js';
import { jwksDocument } from '../proofs/signingKeys.js';
import { AUDIT_GENESIS_HASH, type AuditCheckpointRecord, type AuditHead } from './auditRecords.js';
import { verifyAuditChain, type AuditChainBreak } from './verifyAuditChain.js';
import { verifyAuditCheckpoint } from './verifyAuditCheckpoint.js';

/** What `keyra audit verify` found for one tenant. */
export interface AuditTrailReport {
  tenantId: string;
  intact: boolean;
  /** Entries checked (up to the first break). */
  entries: number;
  checkpoints: number;
  /** The recorded head (`audit_heads`). */
  head: AuditHead;
  broken: AuditChainBreak | null;
}

/** Entries read per query. */
const PAGE = 1000;

/**
 * Checks a tenant's audit trail as stored, from the database alone: every entry hashes to its
 * hash and links to the one before, seq runs 1..N without gaps, the chain ends exactly at the
 * recorded head, and every checkpoint's JWS verifies against the signing keys and names a hash
 * the chain still has at that seq. The first problem is reported (chain order first, then the
 * head, then the oldest failing checkpoint), naming the entry.
 */
export async function checkAuditTrail(
  tenantId: string,
  stores: {
    audit: Pick<AuditStore, 'list' | 'head' | 'listCheckpoints'>;
    signingKeys: SigningKeyStore;
  },
): Promise<AuditTrailReport> {
  const head = await stores.audit.head(tenantId);
  const checkpoints: AuditCheckpointRecord[] = [];
  for (;;) {
    const last = checkpoints[checkpoints.length - 1];
    const page = await stores.audit.listCheckpoints(
      tenantId,
      PAGE,
      last ? { createdAt: last.createdAt, id: last.id } : undefined,
    );
    checkpoints.push(...page);
    if (page.length < PAGE) break;
  }
  const wanted = new Set(checkpoints.map((checkpoint) => checkpoint.seq));
  const hashAt = new Map<number, { id: string; hash: string }>([
    [0, { id: '(genesis)', hash: AUDIT_GENESIS_HASH }],
  ]);
  const report = (entries: number, broken: AuditChainBreak | null): AuditTrailReport => ({
    tenantId,
    intact: broken === null,
    entries,
    checkpoints: checkpoints.length,
    head,
    broken,
  });

  let previous: AuditHead = { seq: 0, hash: AUDIT_GENESIS_HASH };
  let count = 0;
  for (;;) {
    const batch = await stores.audit.list(tenantId, {}, PAGE, previous.seq);
    const checked = verifyAuditChain(batch, { after: previous, tenantId });
    if (!checked.intact) return report(count + checked.count, checked.broken);
    for (const entry of batch) if (wanted.has(entry.seq)) hashAt.set(entry.seq, entry);
    const last = batch[batch.length - 1];
    count += batch.length;
    if (last && last.seq > head.seq)
      return report(count, {
        seq: head.seq + 1,
        id: batch.find((entry) => entry.seq === head.seq + 1)?.id ?? last.id,
        problem: 'checkpoint_mismatch',
        message: `Entry ${head.seq + 1} and later are beyond the recorded head (seq ${head.seq}): they were inserted outside KEYRA.`,
      });
    if (last) previous = { seq: last.seq, hash: last.hash };
    if (batch.length < PAGE) break;
  }
  if (previous.seq < head.seq)
    return report(count, {
      seq: previous.seq + 1,
      id: null,
      problem: 'seq_gap',
      message: `The chain ends at entry ${previous.seq} but the head records ${head.seq}: entries ${previous.seq + 1}..${head.seq} were deleted.`,
    });
  if (previous.hash !== head.hash)
    return report(count, {
      seq: head.seq,
      id: hashAt.get(head.seq)?.id ?? null,
      problem: 'checkpoint_mismatch',
      message: `Entry ${head.seq} is not the one the head records: it was replaced.`,
    });

  const jwks = jwksDocument(await stores.signingKeys.listAll());
  for (const checkpoint of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    const invalid = await verifyAuditCheckpoint(checkpoint, jwks);
    const at = hashAt.get(checkpoint.seq);
    if (invalid)
      return report(count, {
        seq: checkpoint.seq,
        id: at?.id ?? null,
        problem: 'checkpoint_mismatch',
        message: `Checkpoint ${checkpoint.id} (seq ${checkpoint.seq}) is not genuine: ${invalid}.`,
      });
    if (!at || at.hash !== checkpoint.hash)
      return report(count, {
        seq: checkpoint.seq,
        id: at?.id ?? null,
        problem: 'checkpoint_mismatch',
        message: `Entry ${checkpoint.seq} no longer has the hash signed by checkpoint ${checkpoint.id}: the chain was rewritten up to it.`,
      });
  }
  return report(count, null);
}
