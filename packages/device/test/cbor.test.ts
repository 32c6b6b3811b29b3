import { isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../src/internal/cbor.js';

describe('encodeCbor', () => {
  it('encodes integers in the shortest form, negatives included (RFC 8949 appendix A)', () => {
    const hex = (v: number): string => encodeCbor(v).toString('hex');
    expect(hex(0)).toBe('00');
    expect(hex(23)).toBe('17');
    expect(hex(24)).toBe('1818');
    expect(hex(255)).toBe('18ff');
    expect(hex(256)).toBe('190100');
    expect(hex(65536)).toBe('1a00010000');
    expect(hex(4294967296)).toBe('1b0000000100000000');
    expect(hex(-1)).toBe('20');
    expect(hex(-7)).toBe('26');
    expect(hex(-25)).toBe('3818');
    expect(hex(-257)).toBe('390100');
    expect(() => encodeCbor(1.5)).toThrow(TypeError);
  });

  it('encodes text, bytes and arrays with their lengths', () => {
    expect(encodeCbor('fmt').toString('hex')).toBe('63666d74');
    expect(encodeCbor('ü').toString('hex')).toBe('62c3bc');
    expect(encodeCbor(Buffer.from([1, 2])).toString('hex')).toBe('420102');
    expect(encodeCbor([1, [2, 3]]).toString('hex')).toBe('8201820203');
    expect(encodeCbor(Buffer.alloc(300)).subarray(0, 3).toString('hex')).toBe('59012c');
  });

  it('sorts map keys canonically (CTAP2): shorter encodings first, then bytewise', () => {
    const cose = new Map<number, number>([
      [-3, 0],
      [-1, 0],
      [3, 0],
      [1, 0],
      [-2, 0],
    ]);
    expect(encodeCbor(cose).toString('hex')).toBe('a5010003002000210022' + '00');
    const att = new Map<string, number>([
      ['authData', 1],
      ['fmt', 2],
      ['attStmt', 3],
    ]);
    expect([
      ...isoCBOR.decodeFirst<Map<string, number>>(new Uint8Array(encodeCbor(att))).keys(),
    ]).toEqual(['fmt', 'attStmt', 'authData']);
  });

  it('round-trips through the CBOR decoder @simplewebauthn/server uses', () => {
    const value = new Map<string | number, unknown>([
      ['alg', -7],
      ['sig', Buffer.from('abc')],
      ['x5c', [Buffer.from([9]), Buffer.from([8])]],
      [1, 'text'],
    ]);
    const decoded = isoCBOR.decodeFirst<Map<string | number, unknown>>(
      new Uint8Array(encodeCbor(value as Parameters<typeof encodeCbor>[0])),
    );
    expect(decoded.get('alg')).toBe(-7);
    expect(Buffer.from(decoded.get('sig') as Uint8Array).toString()).toBe('abc');
    expect((decoded.get('x5c') as Uint8Array[]).map((b) => b[0])).toEqual([9, 8]);
    expect(decoded.get(1)).toBe('text');
  });
});
