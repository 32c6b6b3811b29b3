import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';

/** A keyset position in a newest-first list: items strictly older than (createdAt, id). */
export interface KeysetCursor {
  createdAt: EpochMs;
  id: string;
}

/** A page of a newest-first list, with the opaque cursor of the next page. */
export interface KeysetPage<T> {
  data: T[];
  hasMore: boolean;
  /** Opaque; pass as `cursor` to get the next page. Null on the last page. */
  nextCursor: string | null;
}

export function encodeKeysetCursor(cursor: KeysetCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** The one answer to any cursor that is not one of ours. */
export function invalidCursor(): never {
  throw new KeyraError(
    'invalid_cursor',
    'The cursor is not valid; use the nextCursor of a previous page.',
  );
}

/**
 * The JSON inside an opaque base64url cursor (at most `maxLength` characters), or
 * `invalid_cursor`. Callers check the shape of what it holds.
 */
export function decodeCursorJson(text: string, maxLength = 200): unknown {
  if (text.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(text)) return invalidCursor();
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return invalidCursor();
  }
}

/**
 * Decodes a cursor from {@link encodeKeysetCursor} whose id must match `idPattern`; anything
 * else is `invalid_cursor`, so a forged cursor never reaches a query.
 */
export function decodeKeysetCursor(text: string, idPattern: RegExp): KeysetCursor {
  const parsed = decodeCursorJson(text);
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string' ||
    !idPattern.test(parsed[1])
  ) {
    return invalidCursor();
  }
  return { createdAt: parsed[0] as number, id: parsed[1] };
}

/** Turns `limit + 1` fetched rows into a page: the extra row only says there is more. */
export function toKeysetPage<T extends KeysetCursor>(rows: T[], limit: number): KeysetPage<T> {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return {
    data,
    hasMore,
    nextCursor:
      hasMore && last ? encodeKeysetCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
