import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers that sign one delivery, in KEYRA's scheme and the Standard Webhooks scheme. */
export interface WebhookSignatureHeaders {
  'keyra-signature': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs a delivery body with every current secret (two during a rotation):
 *
 * - `keyra-signature: t=UNIX_SECONDS,v1=HEX[,v1=HEX]` with HEX = HMAC-SHA256(secret, `${t}.${body}`),
 *   the key being the whole `whsec_…` string (as Stripe does);
 * - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,BASE64 …`) with
 *   HMAC-SHA256 over `${id}.${t}.${body}` keyed by the base64 part of the secret, so
 *   off-the-shelf verifiers work.
 */
export function signWebhook(
  secrets: readonly string[],
  eventId: string,
  timestampSeconds: number,
  body: string,
): WebhookSignatureHeaders {
  const t = String(timestampSeconds);
  const keyra = secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`,
  );
  const standard = secrets.map(
    (secret) =>
      `v1,${createHmac('sha256', standardKey(secret)).update(`${eventId}.${t}.${body}`).digest('base64')}`,
  );
  return {
    'keyra-signature': [`t=${t}`, ...keyra].join(','),
    'webhook-id': eventId,
    'webhook-timestamp': t,
    'webhook-signature': standard.join(' '),
  };
}

/** The key bytes of a `whsec_<base64>` secret for the Standard Webhooks scheme. */
export function standardKey(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}

/**
 * Checks a `keyra-signature` header: some `v1=` must match the secret, and `t` must be within
 * `toleranceSeconds` of `nowSeconds` on either side (replay window). The SDKs implement the same.
 */
export function verifyKeyraSignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim());
  const t = parts.find((part) => part.startsWith('t='))?.slice(2);
  if (!t || !/^\d{1,12}$/.test(t) || Math.abs(nowSeconds - Number(t)) > toleranceSeconds)
    return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts
    .filter((part) => part.startsWith('v1='))
    .some((part) => {
      const given = Buffer.from(part.slice(3), 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
