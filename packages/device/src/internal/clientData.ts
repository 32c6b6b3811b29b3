/**
 * `clientDataJSON` as a browser serialises it (WebAuthn §5.8.1.1): `type`, `challenge`, `origin`,
 * `crossOrigin`, in that order.
 */
export function buildClientDataJSON(
  type: 'webauthn.create' | 'webauthn.get',
  challenge: string,
  origin: string,
): Buffer {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
}
