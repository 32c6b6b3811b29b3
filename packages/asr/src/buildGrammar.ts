import { PHRASE_VOCABULARY, type PhraseVocabulary, type PromptLength } from './phraseVocabulary.js';

/** Options for `buildGrammar`. */
export interface BuildGrammarOptions {
  /** Tokens in the phrase, or `'any'` for 4 to 6 (default 4). */
  length?: PromptLength | 'any';
  /** Word list; defaults to `PHRASE_VOCABULARY`. */
  vocabulary?: PhraseVocabulary;
}

const WORD = /^[a-z]+$/;

/**
 * The JSGF grammar that constrains the recognizer to prompt-shaped phrases:
 *
 * ```
 * public <phrase> = <color> <noun> <number> <number>;          // length 4
 * public <phrase> = <color> <noun> <number> <number> <number>; // length 5, and so on
 * ```
 *
 * with one alternative list per slot class from the vocabulary. The decoder can then only
 * answer with in-vocabulary phrases of the right length, which is what makes a positional
 * comparison with the prompt meaningful. Throws `RangeError` for a word that is not plain
 * lower-case letters (it would not be a valid JSGF token).
 */
export function buildGrammar(options: BuildGrammarOptions = {}): string {
  const vocabulary = options.vocabulary ?? PHRASE_VOCABULARY;
  const length = options.length ?? 4;
  const list = (words: readonly string[]): string => {
    if (words.length === 0) throw new RangeError('empty word class');
    for (const word of words) {
      if (!WORD.test(word)) throw new RangeError(`not a grammar word: ${JSON.stringify(word)}`);
    }
    return words.join(' | ');
  };
  const numbers =
    length === 'any'
      ? '<number> <number> [<number> [<number>]]'
      : Array.from({ length: length - 2 }, () => '<number>').join(' ');
  return [
    '#JSGF V1.0;',
    'grammar keyra;',
    `<color> = ${list(vocabulary.colors)};`,
    `<noun> = ${list(vocabulary.nouns)};`,
    `<number> = ${list(vocabulary.numbers)};`,
    `public <phrase> = <color> <noun> ${numbers};`,
    '',
  ].join('\n');
}
