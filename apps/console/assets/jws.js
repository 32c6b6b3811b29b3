// Shows what a proof or a stamp signature says. Decoding only: the checks are @keyra/sdk's
// `proofs.verify` and `stamps.verify`.

/** @param {string} text base64url without padding */
function base64UrlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not base64url');
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** @param {string} text */
function decodeJsonPart(text) {
  return JSON.parse(new TextDecoder().decode(base64UrlToBytes(text)));
}

/**
 * The header and claims of a compact JWS, for display; nothing is verified.
 * @param {unknown} jws
 * @returns {{ header: Record<string, unknown>, claims: Record<string, unknown> }}
 */
export function decodeJws(jws) {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) throw new Error('not a compact JWS (three dot-separated parts)');
  return { header: decodeJsonPart(parts[0] ?? ''), claims: decodeJsonPart(parts[1] ?? '') };
}
