import type { RandomBytes } from '@keyra/core';

/** A random positive 16-octet certificate serial number as hex (RFC 5280 §4.1.2.2). */
export function randomSerialNumber(random: RandomBytes): string {
  const bytes = Buffer.from(random(16));
  // Clear the sign bit (serials are positive) and set the next one so the value keeps 16 octets.
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}
