import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

/** One POST a receiver got, exactly as it arrived on the socket. */
export interface ReceivedWebhook {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, byte for byte (as UTF-8 text): what signatures are computed over. */
  rawBody: string;
  /** `Date.now()` when the last body byte arrived. */
  receivedAt: number;
  /** The status answered, once answered (unset while held, or if the sender hung up first). */
  answered?: number;
}

/** What to answer a request with (or a promise of it: a receiver that hangs); default 200 `ok`. */
export type Respond = (
  request: ReceivedWebhook,
) => { status: number; body?: string } | Promise<{ status: number; body?: string }>;

export interface WebhookReceiver {
  /** `http://127.0.0.1:PORT` (append a path). */
  origin: string;
  received: ReceivedWebhook[];
  /** Parsed bodies of what arrived on `path`. */
  events(
    path: string,
  ): { id: string; type: string; created: number; data: Record<string, unknown> }[];
  close(): Promise<void>;
}

/**
 * A real webhook receiver: a `node:http` server on loopback (or `host`) that records every
 * request's raw body and headers and answers at once (200 unless `respond` says otherwise;
 * a `respond` that returns a promise holds the request open until it settles).
 */
export async function startWebhookReceiver(
  respond?: Respond,
  host = '127.0.0.1',
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedWebhook = {
        path: req.url ?? '/',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      received.push(request);
      void Promise.resolve(respond?.(request) ?? { status: 200 }).then((answer) => {
        if (res.destroyed) return;
        res.writeHead(answer.status, { 'content-type': 'text/plain' });
        res.end(answer.body ?? 'ok');
        request.answered = answer.status;
      });
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `http://${host}:${port}`,
    received,
    events: (path) =>
      received.filter((r) => r.path === path).map((r) => JSON.parse(r.rawBody) as never),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Independent check of `keyra-signature: t=…,v1=…[,v1=…]` (SPEC §7) with plain `node:crypto`,
 * written from the spec rather than with the server's code: some `v1` must equal
 * HMAC-SHA256(secret, `${t}.${rawBody}`) and `t` must be within 5 minutes of `nowSeconds`.
 */
export function verifyKeyraSignatureIndependently(
  header: string | string[] | undefined,
  rawBody: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  if (typeof header !== 'string') return false;
  const pairs = header.split(',').map((part) => part.split('=', 2) as [string, string?]);
  const t = pairs.find(([name]) => name === 't')?.[1];
  if (!t || !/^\d+$/.test(t) || Math.abs(nowSeconds - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest();
  return pairs.some(([name, value]) => {
    if (name !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The Standard Webhooks check, with the `standardwebhooks` npm package. */
export function verifyStandardWebhook(
  headers: http.IncomingHttpHeaders,
  rawBody: string,
  secret: string,
): boolean {
  try {
    new Webhook(secret).verify(rawBody, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}
