import type { ChallengeRecord, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { ChallengeCursor, ChallengeFilter, ChallengeStore } from '../ports.js';

export interface ChallengePage {
  data: ChallengeRecord[];
  hasMore: boolean;
  /** Opaque; pass as `cursor` to get the next page. Null on the last page. */
  nextCursor: string | null;
}

export function encodeCursor(cursor: ChallengeCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeCursor}; anything else is `invalid_cursor`. */
export function decodeCursor(text: string): ChallengeCursor {
  const invalid = (): never => {
    throw new KeyraError(
      'invalid_cursor',
      'The cursor is not valid; use the nextCursor of a previous page.',
    );
  };
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(text)) return invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalid();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    !/^chl_[0-9A-Za-z]{4,64}$/.test(parsed[1])
  ) {
    return invalid();
  }
  return { createdAt: parsed[0] as number, id: parsed[1] };
}

/** Newest-first keyset pagination over a scope's challenges. */
export async function listChallenges(
  store: ChallengeStore,
  scope: Scope,
  filter: ChallengeFilter,
  limit: number,
  cursor?: string,
): Promise<ChallengePage> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const rows = await store.list(scope, filter, limit + 1, after);
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return {
    data,
    hasMore,
    nextCursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
