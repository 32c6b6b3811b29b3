import { randomBytes } from 'node:crypto';
import { checkPhrase } from './checkPhrase.js';
import { randomIndex } from './internal/randomIndex.js';
import type { RandomBytes } from './randomBytes.js';
import { toTokens } from './internal/tokens.js';
import {
  PHRASE_VOCABULARY,
  PROMPT_LENGTHS,
  type PhraseVocabulary,
  type PromptLength,
} from './phraseVocabulary.js';

/** Options for `generatePrompt`. */
export interface GeneratePromptOptions {
  /** Random bytes; defaults to `crypto.randomBytes`. Inject a seeded source in tests. */
  random?: RandomBytes;
  /** Number of tokens, 4 to 6 (default 4, the length the acceptance figures were measured on). */
  length?: PromptLength;
  /**
   * Prompts issued to the same wallet recently (the server passes the last day's), as text or
   * tokens. The new prompt is never one of them nor close enough that a recording of one of them
   * would pass `checkPhrase` against it.
   */
  avoid?: Iterable<string | readonly string[]>;
  /** Word list; defaults to `PHRASE_VOCABULARY` (the recognizer must use the same one). */
  vocabulary?: PhraseVocabulary;
}

/** A one-time phrase for the user to say. */
export interface PhrasePrompt {
  /** Lower-case tokens, in the order they must be said. */
  tokens: readonly string[];
  /** The tokens joined by single spaces: what the user is shown. */
  text: string;
}

// With the default vocabulary a 4-token prompt has 57,000 possible values and each avoided prompt
// rules out about 60 of them, so this bound is only reached when `avoid` is absurdly large.
const MAX_DRAWS = 1000;

/**
 * Draws a one-time voice phrase: `<color> <noun> <number> <number>`, followed for 5- and 6-token
 * prompts by one or two more `<number>`s ("blue river seven forty", "red tiger two sixty nine").
 * The numbers within a prompt are all different. Deterministic for a given random source.
 *
 * Avoidance: a candidate is redrawn when a recording of any prompt in `avoid` would pass
 * `checkPhrase` against it (same prompt, or one differing in a single tolerated slot), so
 * replaying a wallet's earlier recording cannot answer a new prompt. Throws `RangeError` for a
 * bad length and `Error` if no acceptable prompt is found after 1000 draws.
 */
export function generatePrompt(options: GeneratePromptOptions = {}): PhrasePrompt {
  const random = options.random ?? ((n: number): Uint8Array => randomBytes(n));
  const vocabulary = options.vocabulary ?? PHRASE_VOCABULARY;
  const length = options.length ?? 4;
  if (!(PROMPT_LENGTHS as readonly number[]).includes(length)) {
    throw new RangeError(`prompt length must be one of ${PROMPT_LENGTHS.join(', ')}`);
  }
  if (vocabulary.numbers.length < length - 2) throw new RangeError('too few numbers');
  const avoid = [...(options.avoid ?? [])].map((prompt) => toTokens(prompt));
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const tokens = drawTokens(length, vocabulary, random);
    if (avoid.some((earlier) => checkPhrase(tokens, earlier).passed)) continue;
    return { tokens, text: tokens.join(' ') };
  }
  throw new Error(`no prompt found that avoids the ${avoid.length} recent ones`);
}

function drawTokens(length: number, vocabulary: PhraseVocabulary, random: RandomBytes): string[] {
  const pick = (words: readonly string[]): string => words[randomIndex(words.length, random)]!;
  const tokens = [pick(vocabulary.colors), pick(vocabulary.nouns)];
  const numbers = [...vocabulary.numbers];
  while (tokens.length < length) {
    tokens.push(numbers.splice(randomIndex(numbers.length, random), 1)[0]!);
  }
  return tokens;
}
