import type { ChallengeRecord, Scope } from '../domain.js';
import {
  decodeKeysetCursor,
  encodeKeysetCursor,
  toKeysetPage,
  type KeysetPage,
} from '../pagination/keysetCursor.js';
import type { ChallengeCursor, ChallengeFilter, ChallengeStore } from '../ports.js';

export type ChallengePage = KeysetPage<ChallengeRecord>;

const CHALLENGE_ID = /^chl_[0-9A-Za-z]{4,64}$/;

export function encodeCursor(cursor: ChallengeCursor): string {
  return encodeKeysetCursor(cursor);
}

/** Decodes a challenge-list cursor; anything else is `invalid_cursor`. */
export function decodeCursor(text: string): ChallengeCursor {
  return decodeKeysetCursor(text, CHALLENGE_ID);
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
  return toKeysetPage(await store.list(scope, filter, limit + 1, after), limit);
}
