import { describe, expect, it } from 'vitest';
import { aaguidBytes, isAaguid, KEYRA_ONE_SIMULATOR_AAGUID } from '../src/index.js';

describe('isAaguid and aaguidBytes', () => {
  it('accept the lowercase UUID text WebAuthn libraries print, as its 16 bytes', () => {
    expect(isAaguid(KEYRA_ONE_SIMULATOR_AAGUID)).toBe(true);
    expect(aaguidBytes('00112233-4455-6677-8899-aabbccddeeff').toString('hex')).toBe(
      '00112233445566778899aabbccddeeff',
    );
  });

  it('refuse uppercase, braces, missing dashes and trailing text', () => {
    for (const value of [
      KEYRA_ONE_SIMULATOR_AAGUID.toUpperCase(),
      `{${KEYRA_ONE_SIMULATOR_AAGUID}}`,
      KEYRA_ONE_SIMULATOR_AAGUID.replace(/-/g, ''),
      `${KEYRA_ONE_SIMULATOR_AAGUID}\n`,
      '',
    ]) {
      expect(isAaguid(value)).toBe(false);
      expect(() => aaguidBytes(value)).toThrow(TypeError);
    }
  });
});
