import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { randomBase62, type RandomBytes } from '../ids.js';
import { VOICE_LIMITS } from './limits.js';
import type { VoicePhraseRecord, VoiceStore } from './voiceRecords.js';

/** Phrase ids look like `pc_` + 24 base62 characters. */
export const PHRASE_ID_PATTERN = '^pc_[0-9A-Za-z]{4,64}$';

export function newPhraseId(random?: RandomBytes): string {
  return `pc_${randomBase62(24, random)}`;
}

export interface IssuePhraseDeps {
  store: Pick<VoiceStore, 'insertPhrase' | 'recentPrompts'>;
  now: EpochMs;
  random?: RandomBytes;
  /**
   * Draws one prompt from the recognizer's vocabulary (`@keyra/asr` `generatePrompt`) that is
   * none of `recent` (nor close enough to one that a recording of it would pass).
   */
  generatePrompt: (recent: readonly string[], random?: RandomBytes) => string;
}

/**
 * Issues a single-use phrase for `wallet`, valid for {@link VOICE_LIMITS.phraseTtlSec} seconds,
 * whose prompt was not issued to the same wallet in the last 24 hours.
 */
export async function issuePhrase(
  scope: Scope,
  wallet: string,
  deps: IssuePhraseDeps,
): Promise<VoicePhraseRecord> {
  const recent = await deps.store.recentPrompts(
    scope,
    wallet,
    deps.now - VOICE_LIMITS.promptReuseWindowMs,
  );
  let prompt: string;
  try {
    prompt = deps.generatePrompt(recent, deps.random);
  } catch (cause) {
    // Tens of thousands of prompts exist; this only happens to a wallet hammering the endpoint.
    throw new KeyraError(
      'rate_limit_exceeded',
      'This wallet has been issued too many phrases today; retry later.',
      { headers: { 'Retry-After': '3600' }, cause },
    );
  }
  if (recent.includes(prompt)) throw new Error('generatePrompt returned a recent prompt');
  const phrase: VoicePhraseRecord = {
    id: newPhraseId(deps.random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    wallet,
    prompt,
    createdAt: deps.now,
    expiresAt: deps.now + VOICE_LIMITS.phraseTtlSec * 1000,
    usedAt: null,
    attempts: 0,
  };
  await deps.store.insertPhrase(phrase);
  return phrase;
}

/**
 * Counts a verification attempt on a phrase or throws the seed's codes: `MISSING_PHRASE` (absent,
 * unknown or issued to another wallet), `PHRASE_EXPIRED`, `PHRASE_ALREADY_USED` (a verify
 * succeeded with it, or it ran out of attempts).
 */
export async function beginPhraseAttempt(
  scope: Scope,
  phraseId: string | undefined,
  wallet: string,
  deps: { store: Pick<VoiceStore, 'beginAttempt'>; now: EpochMs },
): Promise<VoicePhraseRecord> {
  if (phraseId === undefined || phraseId === '') {
    throw new KeyraError(
      'MISSING_PHRASE',
      'phrase_id is required: get one from POST /api/v1/phrase and have the user speak its prompt.',
    );
  }
  const result = new RegExp(PHRASE_ID_PATTERN).test(phraseId)
    ? await deps.store.beginAttempt(
        scope,
        phraseId,
        wallet,
        deps.now,
        VOICE_LIMITS.phraseMaxAttempts,
      )
    : 'missing';
  switch (result) {
    case 'missing':
      throw new KeyraError(
        'MISSING_PHRASE',
        `No phrase ${phraseId.slice(0, 80)} for this wallet; request one with POST /api/v1/phrase.`,
      );
    case 'expired':
      throw new KeyraError(
        'PHRASE_EXPIRED',
        `Phrase ${phraseId} expired (phrases last ${VOICE_LIMITS.phraseTtlSec} s); request a new one.`,
      );
    case 'used':
      throw new KeyraError(
        'PHRASE_ALREADY_USED',
        `Phrase ${phraseId} was already used for a successful verification; request a new one.`,
      );
    case 'exhausted':
      throw new KeyraError(
        'PHRASE_ALREADY_USED',
        `Phrase ${phraseId} had ${VOICE_LIMITS.phraseMaxAttempts} verification attempts; request a new one.`,
      );
    default:
      return result;
  }
}
