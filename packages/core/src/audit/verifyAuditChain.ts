import { hashAuditEntry } from './auditDocument.js';
import { AUDIT_GENESIS_HASH, type AuditEntry, type AuditHead } from './auditRecords.js';

/** What is wrong with the first broken entry. */
export type AuditBreak =
  /** The entry's content does not hash to its stored hash: it was edited (or its seq changed). */
  | 'hash_mismatch'
  /** The entry does not link to the entry before it: that one was edited, replaced or inserted. */
  | 'prev_hash_mismatch'
  /** Entries are missing before this one (deleted), or the chain does not start at 1. */
  | 'seq_gap'
  /** This entry's seq is not above the one before it (moved or duplicated). */
  | 'reorder'
  /** The entry names another tenant than the chain's. */
  | 'tenant_mismatch'
  /** The chain ends before, or disagrees with, a head or signed checkpoint it must reach. */
  | 'checkpoint_mismatch';

export interface AuditChainBreak {
  seq: number;
  /** The entry's id, or null when the entry the chain should have is missing. */
  id: string | null;
  problem: AuditBreak;
  message: string;
}

export type AuditChainReport =
  | { intact: true; count: number; head: AuditHead }
  | { intact: false; count: number; broken: AuditChainBreak };

export interface VerifyAuditChainOptions {
  /**
   * Where `entries` continue from: the seq and hash of the entry before the first one. Defaults
   * to the chain's start (seq 0, the genesis hash). For a page in the middle of a chain pass the
   * previous page's last entry; pass `null` to check only the links inside `entries`.
   */
  after?: AuditHead | null;
  /** The tenant every entry must belong to (defaults to the first entry's). */
  tenantId?: string;
}

/**
 * Checks a run of audit entries, in the order given (ascending `seq`), and reports the first
 * broken one: each entry must hash to its `hash`, follow the previous `seq` by exactly one and
 * carry the previous entry's hash as `prevHash`. Pure: the CLI, the server and the SDKs' tests
 * all use it on entries read from the database, an API page or an NDJSON export.
 */
export function verifyAuditChain(
  entries: readonly AuditEntry[],
  options: VerifyAuditChainOptions = {},
): AuditChainReport {
  const start = options.after === undefined ? { seq: 0, hash: AUDIT_GENESIS_HASH } : options.after;
  const tenantId = options.tenantId ?? entries[0]?.tenantId;
  let previous: AuditHead | null = start;
  let count = 0;
  const broken = (entry: AuditEntry, problem: AuditBreak, message: string): AuditChainReport => ({
    intact: false,
    count,
    broken: { seq: entry.seq, id: entry.id, problem, message },
  });
  for (const entry of entries) {
    if (entry.tenantId !== tenantId)
      return broken(
        entry,
        'tenant_mismatch',
        `Entry ${entry.seq} belongs to tenant ${entry.tenantId}, not ${tenantId}.`,
      );
    if (previous !== null && entry.seq <= previous.seq)
      return broken(
        entry,
        'reorder',
        `Entry ${entry.id} has seq ${entry.seq} after seq ${previous.seq}: entries were moved or duplicated.`,
      );
    if (previous !== null && entry.seq !== previous.seq + 1)
      return broken(
        entry,
        'seq_gap',
        `Entries ${previous.seq + 1}..${entry.seq - 1} are missing before entry ${entry.seq} (${entry.id}): deleted.`,
      );
    if (hashAuditEntry(entry) !== entry.hash) {
      const movedFrom = originalSeq(entry);
      if (movedFrom !== null)
        return broken(
          entry,
          'reorder',
          `Entry ${entry.id} was written as entry ${movedFrom} and now stands at ${entry.seq}: entries were reordered.`,
        );
      return broken(
        entry,
        'hash_mismatch',
        `Entry ${entry.seq} (${entry.id}) does not match its hash: its content was edited.`,
      );
    }
    if (previous !== null && entry.prevHash !== previous.hash)
      return broken(
        entry,
        'prev_hash_mismatch',
        `Entry ${entry.seq} (${entry.id}) does not link to entry ${previous.seq}: an entry before it was edited, replaced or inserted.`,
      );
    previous = { seq: entry.seq, hash: entry.hash };
    count += 1;
  }
  const last = entries[entries.length - 1];
  return {
    intact: true,
    count,
    head: last
      ? { seq: last.seq, hash: last.hash }
      : (start ?? { seq: 0, hash: AUDIT_GENESIS_HASH }),
  };
}

/** How far a moved entry is looked for: a reorder usually swaps neighbours. */
const MOVE_SEARCH = 64;

/** The seq an entry hashes correctly under, when it is not its stored one (it was moved). */
function originalSeq(entry: AuditEntry): number | null {
  for (let distance = 1; distance <= MOVE_SEARCH; distance += 1) {
    for (const seq of [entry.seq - distance, entry.seq + distance]) {
      if (seq >= 1 && hashAuditEntry({ ...entry, seq }) === entry.hash) return seq;
    }
  }
  return null;
}
