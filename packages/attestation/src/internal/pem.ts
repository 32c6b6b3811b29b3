/** Wraps DER bytes as PEM with 64-character lines. */
export function toPem(der: Uint8Array, label: string): string {
  const body = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${body.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** The DER bytes of the first PEM block labelled `label`, or `null` when there is none. */
export function fromPem(pem: string, label: string): Buffer | null {
  const match = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) return null;
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}
