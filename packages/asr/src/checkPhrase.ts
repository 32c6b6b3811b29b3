import { toTokens } from './internal/tokens.js';

/** The outcome of comparing what was heard with the prompt. */
export interface PhraseCheck {
  /** True when at least `required` prompt tokens were heard in their place. */
  passed: boolean;
  /** Prompt tokens heard at their own position. */
  matched: number;
  /** Matches needed to pass: `requiredMatches(expected.length)`. */
  required: number;
  /** The prompt, normalised to lower-case tokens. */
  expected: string[];
  /** What was heard, normalised the same way. */
  heard: string[];
  /** 0-based prompt positions that were not heard in place. */
  missed: number[];
}

/**
 * How many of `length` prompt tokens must be heard in place: ceil(3/4 of the prompt), which is
 * the measured "3 of 4 words" rule and, for the 5- and 6-token prompts, again all but one
 * (4 of 5, 5 of 6). Prompts of 3 tokens or fewer need every token.
 */
export function requiredMatches(length: number): number {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`bad prompt length ${length}`);
  return Math.ceil((3 * length) / 4);
}

/**
 * Decides whether the words heard in a recording say the prompt. Tokens are compared position by
 * position (the grammar-constrained recognizer returns exactly as many tokens as the prompt has,
 * or none), so a word said in the wrong place does not count; `required` of them must match.
 * Text or token arrays are accepted; case and punctuation are ignored.
 *
 * The tolerance of one wrong token absorbs the recognizer's confusions (fifteen/fifty, a
 * synthetic voice's odd vowel); it is safe only because a prompt is never close to another one
 * issued to the same wallet (`generatePrompt`'s `avoid`). Throws `RangeError` for an empty prompt.
 */
export function checkPhrase(
  expected: string | readonly string[],
  heard: string | readonly string[],
): PhraseCheck {
  const want = toTokens(expected);
  const got = toTokens(heard);
  if (want.length === 0) throw new RangeError('the expected phrase is empty');
  const missed: number[] = [];
  want.forEach((token, i) => {
    if (got[i] !== token) missed.push(i);
  });
  const matched = want.length - missed.length;
  const required = requiredMatches(want.length);
  return { passed: matched >= required, matched, required, expected: want, heard: got, missed };
}
