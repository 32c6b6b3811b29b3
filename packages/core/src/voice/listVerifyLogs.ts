import type { Scope } from '../domain.js';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  toKeysetPage,
  type KeysetPage,
} from '../pagination/keysetCursor.js';
import type {
  VerifyLogCursor,
  VerifyLogFilter,
  VerifyLogRecord,
  VoiceStore,
} from './voiceRecords.js';

export type VerifyLogPage = KeysetPage<VerifyLogRecord>;

/** Verify-log ids look like `vl_` + 24 base62 characters. */
export const VERIFY_LOG_ID_PATTERN = /^vl_[0-9A-Za-z]{4,64}$/;

export function encodeVerifyLogCursor(cursor: VerifyLogCursor): string {
  return encodeKeysetCursor(cursor);
}

/** Decodes a cursor from {@link encodeVerifyLogCursor}; anything else is `invalid_cursor`. */
export function decodeVerifyLogCursor(text: string): VerifyLogCursor {
  return decodeKeysetCursor(text, VERIFY_LOG_ID_PATTERN);
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
  return toKeysetPage(await store.listVerifyLogs(scope, filter, limit + 1, after), limit);
}
