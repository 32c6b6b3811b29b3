import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/internal/canonicalJson.js';

interface Vector {
  name: string;
  input: string;
  canonical: string;
  sha256: string;
}
const shared = JSON.parse(
  readFileSync(new URL('../../../fixtures/canonical-json/vectors.json', import.meta.url), 'utf8'),
) as { vectors: Vector[] };

// The vectors every SDK reproduces too (fixtures/canonical-json/README.md).
describe('canonicalJson: the shared vectors', () => {
  it.each(shared.vectors)('$name', (vector) => {
    const canonical = canonicalJson(JSON.parse(vector.input));
    expect(canonical).toBe(vector.canonical);
    expect(createHash('sha256').update(canonical, 'utf8').digest('hex')).toBe(vector.sha256);
  });
});

// Vectors from RFC 8785 (JSON Canonicalization Scheme), §3.2.2, §3.2.3 and Appendix B.
describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (§3.2.3)', () => {
    const input = JSON.parse(
      '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}',
    );
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  // The complete Appendix B table, in its order.
  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('serializes the IEEE 754 value %s as %s (Appendix B)', (hex, expected) => {
    const value = Buffer.from(hex, 'hex').readDoubleBE(0);
    expect(canonicalJson(value)).toBe(expected);
  });

  it.each(['7fffffffffffffff', '7ff0000000000000'])(
    'refuses the Appendix B value %s (NaN, Infinity), which JSON cannot carry',
    (hex) => {
      expect(() => canonicalJson(Buffer.from(hex, 'hex').readDoubleBE(0))).toThrow(TypeError);
    },
  );

  it('drops whitespace and nests', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 'x' }], a: null })).toBe(
      '{"a":null,"b":[1,{"c":"x","d":2}]}',
    );
  });

  it('refuses what JSON cannot carry canonically', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(Infinity)).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    expect(() => canonicalJson('\ud800')).toThrow(TypeError);
    expect(() => canonicalJson({ '\udc00x': 1 })).toThrow(TypeError);
    expect(canonicalJson('\ud83d\ude00')).toBe('"😀"');
  });
});
