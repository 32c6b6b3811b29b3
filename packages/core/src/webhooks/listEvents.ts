import type { EventRecord, Scope } from '../domain.js';
import { decodeKeysetCursor, toKeysetPage, type KeysetPage } from '../pagination/keysetCursor.js';
import type { EventFilter, EventStore } from '../ports.js';

/** Event ids look like `evt_` + base62 characters. */
const EVENT_ID_PATTERN = /^evt_[0-9A-Za-z]{4,64}$/;

/**
 * Newest-first keyset pagination over a scope's events, optionally of one type and created in
 * `[since, until)`. A cursor that is not a `nextCursor` of a previous page is `invalid_cursor`.
 */
export async function listEvents(
  store: Pick<EventStore, 'list'>,
  scope: Scope,
  filter: EventFilter,
  limit: number,
  cursor?: string,
): Promise<KeysetPage<EventRecord>> {
  const after = cursor === undefined ? undefined : decodeKeysetCursor(cursor, EVENT_ID_PATTERN);
  return toKeysetPage(await store.list(scope, limit + 1, filter, after), limit);
}
