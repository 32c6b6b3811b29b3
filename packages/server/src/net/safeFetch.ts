import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { classifyAddress, type AddressClass } from './classifyAddress.js';

/** Why an outbound fetch was refused or failed. */
export type SafeFetchFailure =
  /** Not an absolute http(s) URL, a scheme other than https (http only when allowed), or credentials in it. */
  | 'invalid_url'
  /** The URL, a redirect, or a resolved address points at a non-public address. */
  | 'blocked'
  /** The body (or its Content-Length) exceeds `maxBytes`. */
  | 'too_large'
  | 'timeout'
  | 'too_many_redirects'
  /** DNS failure, refused or reset connection, TLS error. */
  | 'network';

export class SafeFetchError extends Error {
  override readonly name = 'SafeFetchError';
  readonly reason: SafeFetchFailure;
  /** The address class that caused a `blocked` refusal. */
  readonly addressClass: AddressClass | null;

  constructor(
    reason: SafeFetchFailure,
    message: string,
    options: { cause?: unknown; addressClass?: AddressClass } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.addressClass = options.addressClass ?? null;
  }
}

/** Resolves a host name to every address it has (the seam tests use to fake DNS). */
export type ResolveHost = (hostname: string) => Promise<string[]>;

export const resolveWithDns: ResolveHost = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export interface SafeFetchOptions {
  /** Allow `http://` (default false: https only). KEYRA sets it in `--dev` only. */
  allowHttp?: boolean;
  /** Allow loopback targets (127.0.0.0/8, ::1). KEYRA sets it in `--dev` only. */
  allowLoopback?: boolean;
  /** Largest response body; enforced on Content-Length and while streaming. */
  maxBytes: number;
  /** Total time for every hop, from the first DNS lookup to the last body byte. */
  timeoutMs: number;
  /** Redirects followed (each re-checked from scratch); default 3. 0 returns the 3xx itself. */
  maxRedirects?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  resolve?: ResolveHost;
  /** Keep-alive agents to reuse connections with (default: a new connection per request). */
  agents?: KeepAliveAgents;
}

/** Connection pools for {@link safeFetch}, from {@link createKeepAliveAgents}. */
export interface KeepAliveAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
  /** Closes every pooled connection. */
  destroy(): void;
}

/** An idle pooled connection is closed after this long (sooner if the server's Keep-Alive says so). */
const IDLE_SOCKET_MS = 4000;

/**
 * Keep-alive agents for {@link safeFetch}, at most `maxSocketsPerHost` connections per target.
 * Node pools connections by the address actually connected to (plus port and, for TLS, the server
 * name and certificate options), and safeFetch always connects to the address it has just
 * resolved and checked: a pooled connection is only reused for a request whose fresh check
 * picked that same address, so pooling never skips the SSRF check or the TLS name check.
 */
export function createKeepAliveAgents(maxSocketsPerHost: number): KeepAliveAgents {
  const options = {
    keepAlive: true,
    maxSockets: maxSocketsPerHost,
    maxFreeSockets: maxSocketsPerHost,
    timeout: IDLE_SOCKET_MS,
  };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  return {
    ...agents,
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

export interface SafeFetchResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL finally fetched (after redirects). */
  url: string;
}

/**
 * Fetches a URL given by an untrusted party without letting it reach internal services (SSRF):
 *
 * - the URL must be absolute https (http only with `allowHttp`) with no credentials; the WHATWG
 *   parser normalises odd numeric hosts (`2130706433`, `0x7f.1`, `0177.1`) to dotted IPv4 first,
 *   so they are checked like any literal;
 * - the host is resolved first and EVERY address must be public (loopback too with
 *   `allowLoopback`); private, link-local, CGNAT, multicast, unspecified, reserved and any IPv6
 *   form embedding IPv4 are refused;
 * - the connection goes to that checked address only (the socket connects to the IP; the Host
 *   header and TLS SNI/certificate check use the name), so DNS cannot be re-asked (rebinding);
 * - redirects are followed up to `maxRedirects`, each target checked the same way;
 * - the body is capped at `maxBytes` while streaming, and the whole exchange at `timeoutMs`.
 *
 * Throws {@link SafeFetchError}. Any HTTP status is returned (the caller decides what a 404 means).
 */
export async function safeFetch(
  rawUrl: string,
  options: SafeFetchOptions,
): Promise<SafeFetchResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    let url = parseTarget(rawUrl, options);
    let method = options.method ?? 'GET';
    let body = options.body;
    const maxRedirects = options.maxRedirects ?? 3;
    for (let hop = 0; ; hop++) {
      const address = await resolveChecked(url, options, controller.signal);
      const response = await request(url, address, method, body, options, controller.signal).catch(
        (error: unknown) => {
          // A pooled connection the server closed while idle fails at once: send it again on a new
          // one (Node's recommended handling of this race), to the same checked address.
          if (!(error instanceof StaleConnectionError)) throw error;
          return request(url, address, method, body, options, controller.signal);
        },
      );
      const location = response.headers.location;
      if (response.status >= 300 && response.status < 400 && location && maxRedirects > 0) {
        if (hop >= maxRedirects)
          throw new SafeFetchError('too_many_redirects', `more than ${maxRedirects} redirects`);
        let next: URL;
        try {
          next = new URL(location, url);
        } catch (cause) {
          throw new SafeFetchError('invalid_url', 'the redirect Location is not a URL', { cause });
        }
        url = parseTarget(next.href, options);
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && method === 'POST')
        ) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      return response;
    }
  } catch (error) {
    if (
      controller.signal.aborted &&
      !(error instanceof SafeFetchError && error.reason !== 'network')
    ) {
      throw new SafeFetchError('timeout', `no complete answer within ${options.timeoutMs} ms`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks a URL the way {@link safeFetch} would before connecting (scheme, credentials, resolved
 * addresses), without fetching it: for rejecting a webhook URL when it is configured. The check
 * is repeated at every delivery, since DNS answers change.
 */
export async function checkOutboundUrl(
  rawUrl: string,
  options: Pick<SafeFetchOptions, 'allowHttp' | 'allowLoopback' | 'resolve'> & {
    timeoutMs?: number;
  },
): Promise<URL> {
  const all = { maxBytes: 0, timeoutMs: options.timeoutMs ?? 5000, ...options };
  const url = parseTarget(rawUrl, all);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), all.timeoutMs);
  try {
    await resolveChecked(url, all, controller.signal);
    return url;
  } finally {
    clearTimeout(timer);
  }
}

/** A reused keep-alive connection turned out closed before any answer came on it. */
class StaleConnectionError extends SafeFetchError {
  constructor(cause: unknown) {
    super('network', 'a pooled connection was closed by the server', { cause });
  }
}

function parseTarget(raw: string, options: SafeFetchOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new SafeFetchError('invalid_url', 'not an absolute URL', { cause });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowHttp)) {
    throw new SafeFetchError(
      'invalid_url',
      options.allowHttp ? 'only http and https URLs are fetched' : 'only https URLs are fetched',
    );
  }
  if (url.username !== '' || url.password !== '')
    throw new SafeFetchError('invalid_url', 'URLs with credentials are not fetched');
  if (url.hostname === '') throw new SafeFetchError('invalid_url', 'the URL has no host');
  return url;
}

function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

function check(address: string, options: SafeFetchOptions): void {
  const kind = classifyAddress(address);
  if (kind === 'public' || (kind === 'loopback' && options.allowLoopback)) return;
  throw new SafeFetchError('blocked', `the address ${address} is ${kind.replace('_', ' ')}`, {
    addressClass: kind,
  });
}

async function resolveChecked(
  url: URL,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<string> {
  const host = bareHost(url);
  if (isIP(host) !== 0) {
    check(host, options);
    return host;
  }
  // A name that only digits, dots and hex could form was not a valid numeric host for the URL
  // parser (e.g. 1.2.3.4.5): refuse rather than let a resolver interpret it.
  if (/^[0-9.]+$/.test(host) || /^0x[0-9a-f.x]*$/i.test(host))
    throw new SafeFetchError('blocked', `the host ${host} is an unusual numeric form`, {
      addressClass: 'invalid',
    });
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? resolveWithDns)(host);
  } catch (cause) {
    throw new SafeFetchError('network', `the host ${host} does not resolve`, { cause });
  }
  if (signal.aborted) throw new SafeFetchError('timeout', 'timed out resolving the host');
  if (addresses.length === 0)
    throw new SafeFetchError('network', `the host ${host} has no addresses`);
  // Every address must be acceptable: otherwise the choice among them would be the attacker's.
  for (const address of addresses) check(address, options);
  return addresses[0]!;
}

function request(
  url: URL,
  address: string,
  method: string,
  body: string | Uint8Array | undefined,
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<SafeFetchResponse> {
  const secure = url.protocol === 'https:';
  const hostname = bareHost(url);
  const headers: Record<string, string> = {
    'user-agent': 'keyra (+https://github.com/keyra)',
    accept: '*/*',
    ...options.headers,
    host: url.host,
  };
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  const requestOptions: https.RequestOptions = {
    host: address,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method,
    headers,
    agent: options.agents ? (secure ? options.agents.https : options.agents.http) : false,
    signal,
  };
  if (secure && isIP(hostname) === 0) requestOptions.servername = hostname;
  return new Promise((resolve, reject) => {
    let responded = false;
    const req = (secure ? https : http).request(requestOptions, (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers['content-length'] ?? NaN);
      const isRedirect = status >= 300 && status < 400 && res.headers.location !== undefined;
      if (!isRedirect && declared > options.maxBytes) {
        res.destroy();
        reject(
          new SafeFetchError('too_large', `the body is larger than ${options.maxBytes} bytes`),
        );
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          res.destroy();
          reject(
            new SafeFetchError('too_large', `the body is larger than ${options.maxBytes} bytes`),
          );
          return;
        }
        if (!isRedirect) chunks.push(chunk);
      });
      res.on('end', () =>
        resolve({ status, headers: res.headers, body: Buffer.concat(chunks), url: url.href }),
      );
      res.on('error', (cause) =>
        reject(new SafeFetchError('network', 'the connection failed mid-body', { cause })),
      );
    });
    req.on('error', (cause) => {
      const code = (cause as NodeJS.ErrnoException).code;
      if (req.reusedSocket && !responded && (code === 'ECONNRESET' || code === 'EPIPE')) {
        reject(new StaleConnectionError(cause));
        return;
      }
      reject(
        new SafeFetchError('network', `could not fetch ${url.host}: ${(cause as Error).message}`, {
          cause,
        }),
      );
    });
    req.end(body);
  });
}
