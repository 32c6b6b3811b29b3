import type { RelyingParty } from '../credentials/relyingParty.js';

/**
 * The console is a web page: its passkeys sign from one of the relying party's web origins (or,
 * in development, `http://localhost:PORT`), never from the KEYRA ONE origin.
 */
export function consoleOrigin(rp: RelyingParty, origin: string): string | null {
  if (rp.origins.includes(origin)) return origin;
  if (rp.allowLocalhostOrigins && /^http:\/\/localhost(:\d{1,5})?$/.test(origin)) return origin;
  return null;
}
