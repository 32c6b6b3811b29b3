import { canonicalJson } from './internal/canonicalJson.js';
import { toBytes, toHex } from './internal/bytes.js';
import type { AuditEntry } from './types.js';

/** The `prevHash` of a tenant's first entry. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The first problem `verifyAuditChain` found, naming the entry. */
export interface AuditChainBreak {
  seq: number;
  id: string;
  problem: 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'reorder';
  message: string;
}

export type AuditChainResult =
  | { intact: true; count: number; head: { seq: number; hash: string } }
  | { intact: false; count: number; broken: AuditChainBreak };

export interface VerifyAuditChainOptions {
  /**
   * The entry before the first one given (`{seq, hash}` of the previous page's last entry), for a
   * page in the middle of the chain. Default: the chain's start. `null` checks only the links
   * between the given entries.
   */
  after?: { seq: number; hash: string } | null;
}

/** Hex SHA-256 of an entry's RFC 8785 canonical JSON without `hash`: what its `hash` must be. */
export async function auditEntryHash(entry: AuditEntry): Promise<string> {
  const { hash: _hash, ...document } = entry;
  const digest = await globalThis.crypto.subtle.digest(
    'SHA-256',
    toBytes(canonicalJson(document)) as Uint8Array<ArrayBuffer>,
  );
  return toHex(new Uint8Array(digest));
}

/**
 * Checks entries as `keyra.audit.list()`/`iterate()`/`export()` return them (unfiltered, chain
 * order): each hashes to its `hash`, follows the previous `seq` by one and carries the previous
 * `hash` as `prevHash`. Returns the head to continue from, or the first broken entry. What this
 * cannot see on its own: a chain rewritten consistently from some entry on; compare the head
 * with a checkpoint you kept (`keyra.audit.createCheckpoint()`), which only KEYRA's key can sign.
 */
export async function verifyAuditChain(
  entries: readonly AuditEntry[],
  options: VerifyAuditChainOptions = {},
): Promise<AuditChainResult> {
  let previous = options.after === undefined ? { seq: 0, hash: AUDIT_GENESIS_HASH } : options.after;
  let count = 0;
  const broken = (entry: AuditEntry, problem: AuditChainBreak['problem'], message: string) => ({
    intact: false as const,
    count,
    broken: { seq: entry.seq, id: entry.id, problem, message },
  });
  for (const entry of entries) {
    if (previous && entry.seq <= previous.seq)
      return broken(
        entry,
        'reorder',
        `Entry ${entry.id} has seq ${entry.seq} after ${previous.seq}.`,
      );
    if (previous && entry.seq !== previous.seq + 1)
      return broken(
        entry,
        'seq_gap',
        `Entries ${previous.seq + 1}..${entry.seq - 1} are missing before entry ${entry.seq}.`,
      );
    if ((await auditEntryHash(entry)) !== entry.hash)
      return broken(
        entry,
        'hash_mismatch',
        `Entry ${entry.seq} (${entry.id}) does not match its hash.`,
      );
    if (previous && entry.prevHash !== previous.hash)
      return broken(
        entry,
        'prev_hash_mismatch',
        `Entry ${entry.seq} (${entry.id}) does not link to entry ${previous.seq}.`,
      );
    previous = { seq: entry.seq, hash: entry.hash };
    count += 1;
  }
  return {
    intact: true,
    count,
    head: previous ?? { seq: 0, hash: AUDIT_GENESIS_HASH },
  };
}
