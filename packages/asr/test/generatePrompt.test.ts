import { describe, expect, it } from 'vitest';
import { checkPhrase, generatePrompt, PHRASE_VOCABULARY, type PromptLength } from '../src/index.js';
import { listPhrases, seededRandom } from './helpers.js';

const { colors, nouns, numbers } = PHRASE_VOCABULARY;

describe('generatePrompt', () => {
  it.each([4, 5, 6] as const)('draws %i tokens in the shape <color> <noun> <number>…', (length) => {
    const random = seededRandom(`shape-${length}`);
    for (let i = 0; i < 500; i++) {
      const { tokens, text } = generatePrompt({ random, length });
      expect(tokens).toHaveLength(length);
      expect(text).toBe(tokens.join(' '));
      expect(colors).toContain(tokens[0]);
      expect(nouns).toContain(tokens[1]);
      for (const token of tokens.slice(2)) expect(numbers).toContain(token);
      expect(new Set(tokens.slice(2)).size).toBe(length - 2);
    }
  });

  it('defaults to 4 tokens and crypto randomness', () => {
    const a = generatePrompt();
    expect(a.tokens).toHaveLength(4);
    const texts = new Set(Array.from({ length: 50 }, () => generatePrompt().text));
    expect(texts.size).toBeGreaterThan(45);
  });

  it('is deterministic for a given random source', () => {
    const run = (): string[] => {
      const random = seededRandom('same');
      return Array.from(
        { length: 20 },
        (_, i) => generatePrompt({ random, length: (4 + (i % 3)) as PromptLength }).text,
      );
    };
    expect(run()).toEqual(run());
    expect(run()).not.toEqual(
      Array.from({ length: 20 }, () => generatePrompt({ random: seededRandom('other') }).text),
    );
  });

  it('uses every word of the vocabulary, roughly evenly', () => {
    const random = seededRandom('coverage');
    const counts = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      for (const token of generatePrompt({ random }).tokens) {
        counts.set(token, (counts.get(token) ?? 0) + 1);
      }
    }
    for (const color of colors) expect(counts.get(color)).toBeGreaterThan(300); // expect 400
    for (const noun of nouns) expect(counts.get(noun)).toBeGreaterThan(180); // expect 250
    for (const number of numbers) expect(counts.get(number)).toBeGreaterThan(320); // expect 400
  });

  it('covers every word of the shared test recordings, so they are valid prompts', async () => {
    for (const { text } of await listPhrases()) {
      const [color, noun, ...rest] = text.split(' ');
      expect(colors).toContain(color);
      expect(nouns).toContain(noun);
      for (const number of rest) expect(numbers).toContain(number);
    }
  });

  it('never repeats a recent prompt nor one a recording of it would pass for', () => {
    // Attack: replay a recording of an earlier prompt. Its words must not satisfy the new one.
    const avoid = ['blue river seven forty', ['green', 'mountain', 'three', 'twelve']];
    // A source that keeps offering the avoided prompt and its one-word variants first.
    const scripted = [
      [1, 11, 6, 14], // blue river seven forty
      [1, 11, 6, 15], // blue river seven fifty: one word off
      [3, 8, 2, 10], // green mountain three twelve
      [3, 8, 2, 15], // green mountain three fifty: one word off
      [0, 0, 0, 1], // black canyon one two
    ];
    const indices = scripted.flatMap((draw) =>
      draw.map((index, slot) => (slot < 3 ? index : index - (draw[2]! < index ? 1 : 0))),
    );
    let call = 0;
    const random = (n: number): Uint8Array => {
      const index = indices[call++ % indices.length]!;
      return Uint8Array.of(0, index).subarray(0, n);
    };
    const prompt = generatePrompt({ random, avoid });
    expect(prompt.text).toBe('black canyon one two');
    for (const earlier of avoid) expect(checkPhrase(prompt.tokens, earlier).passed).toBe(false);
  });

  it('keeps its distance from a day of prompts', () => {
    const random = seededRandom('day');
    const issued: string[] = [];
    for (let i = 0; i < 300; i++) {
      const prompt = generatePrompt({ random, avoid: issued, length: 4 });
      for (const earlier of issued) expect(checkPhrase(prompt.tokens, earlier).passed).toBe(false);
      issued.push(prompt.text);
    }
  });

  it('avoids across lengths: a 4-token recording cannot answer a 5-token prompt', () => {
    const random = seededRandom('lengths');
    const earlier = generatePrompt({ random, length: 4 });
    for (let i = 0; i < 200; i++) {
      const prompt = generatePrompt({ random, length: 5, avoid: [earlier.text] });
      expect(checkPhrase(prompt.tokens, earlier.tokens).passed).toBe(false);
    }
  });

  it('throws when avoidance is impossible and for a bad length', () => {
    const tiny = { colors: ['red'], nouns: ['river'], numbers: ['one', 'two'] };
    expect(() =>
      generatePrompt({ vocabulary: tiny, avoid: ['red river one two', 'red river two one'] }),
    ).toThrow(/no prompt found/);
    expect(() => generatePrompt({ length: 7 as PromptLength })).toThrow(RangeError);
  });
});
