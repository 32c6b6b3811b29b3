import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type {
  VerifyLogCursor,
  VerifyLogFilter,
  VerifyLogRecord,
  VoiceStore,
} from './VoiceRecords.js';

export interface VerifyLogPage {
  data: VerifyLogRecord[];
  hasMore: boolean;
  /** Opaque; pass as `cursor` to get the next page. Null on the last page. */
  nextCursor: string | null;
}

/** Verify-log ids look like `vl_` + 24 base62 characters. */
export const VERIFY_LOG_ID_PATTERN = /^vl_[0-9A-Za-z]{4,64}$/;

export function encodeVerifyLogCursor(cursor: VerifyLogCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor from {@link encodeVerifyLogCursor}; anything else is `invalid_cursor`. */
export function decodeVerifyLogCursor(text: string): VerifyLogCursor {
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
    !VERIFY_LOG_ID_PATTERN.test(parsed[1])
  ) {
    return invalid();
  }
  return { createdAt: parsed[0] as number, id: parsed[1] };
}

/** Newest-first keyset pagination over a scope's verify logs. */
export async function listVerifyLogs(
  store: Pick<VoiceStore, 'listVerifyLogs'>,
  scope: Scope,
  filter: VerifyLogFilter,
  limit: number,
  cursor?: string,
): Promise<VerifyLogPage> {
  const after = cursor === undefined ? undefined : decodeVerifyLogCursor(cursor);
  const rows = await store.listVerifyLogs(scope, filter, limit + 1, after);
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return {
    data,
    hasMore,
    nextCursor:
      hasMore && last ? encodeVerifyLogCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
