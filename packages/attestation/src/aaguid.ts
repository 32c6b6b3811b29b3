const AAGUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `value` is an AAGUID in its lowercase UUID text form, as WebAuthn libraries print it. */
export function isAaguid(value: string): boolean {
  return AAGUID_PATTERN.test(value);
}

/** The 16 bytes of an AAGUID given as UUID text. Throws on anything else. */
export function aaguidBytes(aaguid: string): Buffer {
  if (!isAaguid(aaguid)) throw new TypeError(`not an AAGUID (lowercase UUID): ${aaguid}`);
  return Buffer.from(aaguid.replace(/-/g, ''), 'hex');
}
