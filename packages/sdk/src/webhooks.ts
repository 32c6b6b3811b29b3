import { KeyraError, WebhookSignatureError } from './errors.js';
import { fromHex, timingSafeEqual, toBytes, toHex } from './internal/bytes.js';
import { readEnv } from './internal/env.js';
import { hmacSha256 } from './internal/hmacSha256.js';
import type { KeyraEvent } from './types.js';

/** Seconds a signature's timestamp may be away from the clock, either way (docs/webhooks.md). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Options of `webhooks.verify` and `webhooks.constructEvent`. */
export interface WebhookVerifyOptions {
  /** Replay window in seconds. Default 300. */
  tolerance?: number;
  /** Current Unix time in seconds (tests). Default: the clock. */
  now?: number;
}

/** The raw body exactly as received: a string or its bytes (e.g. a Node `Buffer`). */
export type RawBody = string | Uint8Array;
/** The `keyra-signature` header as frameworks hand it over. */
export type SignatureHeader = string | string[] | null | undefined;

/**
 * Verifies `keyra-signature: t=…,v1=…[,v1=…]` deliveries. Synchronous and dependency-free, so
 * it works in any framework handler: `if (!keyra.webhooks.verify(req.rawBody, sig)) …`.
 */
export class Webhooks {
  constructor(private readonly defaultSecret?: string) {}

  /**
   * True when some `v1` equals HMAC-SHA256(secret, `${t}.${rawBody}`) and `t` is within the
   * tolerance of the clock. `secret` defaults to the client's `webhookSecret`, then
   * `KEYRA_WEBHOOK_SECRET`. Verify the raw bytes, never re-serialised JSON.
   */
  verify(
    rawBody: RawBody | null | undefined,
    header: SignatureHeader,
    secret?: string,
    options: WebhookVerifyOptions = {},
  ): boolean {
    return this.check(rawBody, header, secret, options) === undefined;
  }

  /** Verifies like `verify`, then parses the event; throws `WebhookSignatureError` if invalid. */
  constructEvent<Data extends Record<string, unknown> = Record<string, unknown>>(
    rawBody: RawBody,
    header: SignatureHeader,
    secret?: string,
    options: WebhookVerifyOptions = {},
  ): KeyraEvent<Data> {
    const problem = this.check(rawBody, header, secret, options);
    if (problem !== undefined) {
      throw new WebhookSignatureError(problem, { code: 'webhook_signature_invalid' });
    }
    const text = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
    return JSON.parse(text) as KeyraEvent<Data>;
  }

  /**
   * The test signer: a valid `keyra-signature` header for `payload` (a raw body string, or an
   * object serialised with `JSON.stringify`; sign and send the same string).
   */
  generateTestHeader(params: {
    payload: string | object;
    secret?: string;
    timestamp?: number;
  }): string {
    const secret = this.secretOf(params.secret);
    const body =
      typeof params.payload === 'string' ? params.payload : JSON.stringify(params.payload);
    const t = params.timestamp ?? Math.floor(Date.now() / 1000);
    return `t=${t},v1=${toHex(sign(secret, t, toBytes(body)))}`;
  }

  /** `undefined` when valid, else why not. */
  private check(
    rawBody: RawBody | null | undefined,
    header: SignatureHeader,
    secret: string | undefined,
    options: WebhookVerifyOptions,
  ): string | undefined {
    const key = this.secretOf(secret);
    if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array)) {
      return 'The raw body is missing: verify the bytes as received, before JSON parsing.';
    }
    const value = Array.isArray(header) ? header.join(',') : header;
    if (typeof value !== 'string' || value === '') return 'No keyra-signature header.';
    const pairs = value.split(',').map((part) => {
      const at = part.indexOf('=');
      return at < 0 ? [part.trim(), ''] : [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    });
    const t = pairs.find(([name]) => name === 't')?.[1];
    if (t === undefined || !/^\d{1,12}$/.test(t)) return 'The signature has no valid timestamp.';
    const now = options.now ?? Date.now() / 1000;
    const tolerance = options.tolerance ?? DEFAULT_TOLERANCE_SECONDS;
    if (Math.abs(now - Number(t)) > tolerance) {
      return 'The signature timestamp is outside the tolerance (a replay or a skewed clock).';
    }
    const expected = sign(key, Number(t), toBytes(rawBody));
    // Any v1 may match: during a secret rotation the server signs with both secrets.
    const matched = pairs.some(([name, given]) => {
      if (name !== 'v1') return false;
      const bytes = fromHex(given ?? '');
      return bytes !== undefined && timingSafeEqual(bytes, expected);
    });
    return matched ? undefined : 'No v1 signature matches the body and secret.';
  }

  private secretOf(secret: string | undefined): string {
    const resolved = secret ?? this.defaultSecret ?? readEnv('KEYRA_WEBHOOK_SECRET');
    if (resolved === undefined || resolved === '') {
      throw new KeyraError(
        'No webhook secret: pass it as an argument, as `webhookSecret` to new Keyra(), or set KEYRA_WEBHOOK_SECRET.',
        { code: 'webhook_secret_missing' },
      );
    }
    return resolved;
  }
}

/** HMAC-SHA256 keyed by the whole secret string (`whsec_…`) over `${t}.${rawBody}`. */
function sign(secret: string, t: number, body: Uint8Array): Uint8Array {
  const prefix = toBytes(`${t}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix);
  message.set(body, prefix.length);
  return hmacSha256(toBytes(secret), message);
}
