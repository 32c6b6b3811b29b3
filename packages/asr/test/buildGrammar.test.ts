import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildGrammar, PHRASE_VOCABULARY } from '../src/index.js';

const DICTIONARY = '/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict';

describe('buildGrammar', () => {
  it('writes one JSGF rule per slot class and a public rule of the asked length', () => {
    const tiny = { colors: ['red', 'blue'], nouns: ['river'], numbers: ['one', 'two', 'three'] };
    expect(buildGrammar({ vocabulary: tiny })).toBe(
      [
        '#JSGF V1.0;',
        'grammar keyra;',
        '<color> = red | blue;',
        '<noun> = river;',
        '<number> = one | two | three;',
        'public <phrase> = <color> <noun> <number> <number>;',
        '',
      ].join('\n'),
    );
    expect(buildGrammar({ vocabulary: tiny, length: 6 })).toContain(
      'public <phrase> = <color> <noun> <number> <number> <number> <number>;',
    );
    expect(buildGrammar({ vocabulary: tiny, length: 'any' })).toContain(
      'public <phrase> = <color> <noun> <number> <number> [<number> [<number>]];',
    );
  });

  it('uses the whole default vocabulary', () => {
    const grammar = buildGrammar({ length: 5 });
    for (const word of Object.values(PHRASE_VOCABULARY).flat()) {
      expect(grammar).toMatch(new RegExp(`[=|] ${word}[ ;]`));
    }
  });

  it('refuses words that are not plain JSGF tokens', () => {
    const bad = { colors: ['red;'], nouns: ['river'], numbers: ['one'] };
    expect(() => buildGrammar({ vocabulary: bad })).toThrow(RangeError);
    expect(() => buildGrammar({ vocabulary: { ...bad, colors: [] } })).toThrow(RangeError);
  });

  // Needs pocketsphinx-en-us; KEYRA_SKIP_SPEECH=1 skips it on hosts without speech packages.
  it.skipIf(process.env['KEYRA_SKIP_SPEECH'] === '1')(
    'has every vocabulary word in the pocketsphinx-en-us dictionary',
    async () => {
      const dictionary = await readFile(DICTIONARY, 'utf8');
      const words = new Set(dictionary.split('\n').map((line) => line.split(' ')[0]));
      for (const word of Object.values(PHRASE_VOCABULARY).flat()) expect(words).toContain(word);
    },
  );
});
