import { describe, expect, it } from 'vitest';
import { KeyraError } from '../src/errors.js';
import { formatTimestamp, parseRfc3339Query } from '../src/time.js';

describe('formatTimestamp', () => {
  it('prints whole seconds without a fraction and keeps milliseconds otherwise', () => {
    expect(formatTimestamp(Date.UTC(2026, 4, 29, 18, 42, 0))).toBe('2026-05-29T18:42:00Z');
    expect(formatTimestamp(Date.UTC(2026, 4, 29, 18, 42, 0, 5))).toBe('2026-05-29T18:42:00.005Z');
  });
});

describe('parseRfc3339Query', () => {
  it('is undefined when the parameter is absent', () => {
    expect(parseRfc3339Query('createdFrom', undefined)).toBeUndefined();
  });

  it('reads UTC and offset timestamps, with or without a fraction, as epoch ms', () => {
    const at = Date.UTC(2026, 4, 29, 18, 40, 30);
    expect(parseRfc3339Query('createdFrom', '2026-05-29T18:40:30Z')).toBe(at);
    expect(parseRfc3339Query('created_to', '2026-05-29T20:40:30+02:00')).toBe(at);
    expect(parseRfc3339Query('createdTo', '2026-05-29T18:40:30.250Z')).toBe(at + 250);
  });

  it('refuses what names no instant with validation_failed naming the parameter', () => {
    for (const [name, value] of [
      ['createdFrom', 'yesterday'],
      ['created_from', '2026-12-31T23:59:60Z'],
      ['created_to', ''],
    ] as const) {
      let caught: unknown;
      try {
        parseRfc3339Query(name, value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KeyraError);
      expect((caught as KeyraError).toJSON()).toEqual({
        code: 'validation_failed',
        message: `${name} is not a valid RFC 3339 timestamp.`,
        details: [{ field: `querystring.${name}`, issue: 'format' }],
      });
    }
  });
});
