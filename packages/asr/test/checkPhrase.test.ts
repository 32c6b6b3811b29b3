import { describe, expect, it } from 'vitest';
import { checkPhrase, requiredMatches } from '../src/index.js';

describe('checkPhrase', () => {
  it('needs 3 of 4, 4 of 5 and 5 of 6 tokens in place', () => {
    expect([4, 5, 6].map(requiredMatches)).toEqual([3, 4, 5]);
    expect([1, 2, 3, 8].map(requiredMatches)).toEqual([1, 2, 3, 6]);
    expect(() => requiredMatches(0)).toThrow(RangeError);
  });

  it('accepts the exact phrase and one wrong token', () => {
    expect(checkPhrase('blue river seven forty', 'blue river seven forty')).toEqual({
      passed: true,
      matched: 4,
      required: 3,
      expected: ['blue', 'river', 'seven', 'forty'],
      heard: ['blue', 'river', 'seven', 'forty'],
      missed: [],
    });
    const oneOff = checkPhrase('blue river seven forty', ['blue', 'river', 'seven', 'fifty']);
    expect(oneOff).toMatchObject({ passed: true, matched: 3, missed: [3] });
  });

  it('refuses two wrong tokens, whatever the length', () => {
    expect(checkPhrase('blue river seven forty', 'blue river two fifty').passed).toBe(false);
    expect(checkPhrase('red tiger two sixty nine', 'red tiger two sixty one').passed).toBe(true);
    expect(checkPhrase('red tiger two sixty nine', 'red tiger two fifty one').passed).toBe(false);
    expect(checkPhrase('red tiger two sixty nine ten', 'red tiger two sixty nine one').passed).toBe(
      true,
    );
    expect(checkPhrase('red tiger two sixty nine ten', 'red tiger two sixty one one').passed).toBe(
      false,
    );
  });

  it('compares by position: the right words in the wrong order do not count', () => {
    const swapped = checkPhrase('blue river seven forty', 'blue river forty seven');
    expect(swapped).toMatchObject({ passed: false, matched: 2, missed: [2, 3] });
    // A shifted replay of a longer phrase that contains the prompt does not line up either.
    expect(checkPhrase('river seven forty two', 'blue river seven forty').passed).toBe(false);
  });

  it('refuses silence and partial phrases', () => {
    expect(checkPhrase('blue river seven forty', [])).toMatchObject({ passed: false, matched: 0 });
    expect(checkPhrase('blue river seven forty', 'blue river').passed).toBe(false);
    expect(checkPhrase('blue river seven forty', 'blue river seven').passed).toBe(true);
  });

  it('ignores case, punctuation and spacing', () => {
    expect(checkPhrase('Blue river, seven-forty.', '  BLUE  river seven forty ').matched).toBe(4);
  });

  it('throws for an empty prompt (a programming error)', () => {
    expect(() => checkPhrase('', 'blue')).toThrow(RangeError);
  });
});
