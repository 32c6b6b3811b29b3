import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_STATUS, KEYWAVE_ERROR_CODES } from '../src/errors.js';

describe('error codes', () => {
  const keywave = new Set<string>(KEYWAVE_ERROR_CODES);

  it('are lower_snake, except the Keywave sub-union', () => {
    const strays = ERROR_CODES.filter(
      (code) => !keywave.has(code) && !/^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/.test(code),
    );
    expect(strays).toEqual([]);
  });

  it('spell the Keywave sub-union in UPPER_SNAKE, each in the status table', () => {
    for (const code of KEYWAVE_ERROR_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/);
      expect(ERROR_STATUS[code]).toBeTypeOf('number');
    }
  });

  it('keep the three codes seed 004 names for /v1/verify', () => {
    for (const code of ['MISSING_PHRASE', 'PHRASE_EXPIRED', 'PHRASE_ALREADY_USED'] as const) {
      expect(KEYWAVE_ERROR_CODES).toContain(code);
      expect(ERROR_STATUS[code]).toBe(400);
    }
  });
});
