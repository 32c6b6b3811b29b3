import {
  APIConnectionError,
  AuthenticationError,
  errorFromResponse,
  KeyraError,
} from './errors.js';
import { readEnv } from './internal/env.js';
import { withRetries } from './retry.js';

/** Options of `new Keyra(…)`; every one is optional. */
export interface KeyraOptions {
  /** Secret key `sk_test_…` / `sk_live_…`. Default: `KEYRA_API_KEY`. */
  apiKey?: string | undefined;
  /** Server address. Default: `KEYRA_BASE_URL`, else `http://127.0.0.1:8787`. */
  baseUrl?: string | undefined;
  /** Milliseconds before one attempt is abandoned (and retried). Default 60 000. */
  timeout?: number | undefined;
  /** Retries after the first attempt, on network errors, 429 and 5xx. Default 2. */
  maxRetries?: number | undefined;
  /** Webhook signing secret `whsec_…`. Default: `KEYRA_WEBHOOK_SECRET` at verification time. */
  webhookSecret?: string | undefined;
  /** A `fetch` implementation (tests, proxies). Default: the global one. */
  fetch?: typeof fetch | undefined;
}

/** Per-call options, the last argument of every API method. */
export interface RequestOptions {
  /** Overrides the generated `Idempotency-Key` of a POST (e.g. to retry it yourself later). */
  idempotencyKey?: string;
  timeout?: number;
  maxRetries?: number;
  signal?: AbortSignal;
}

/** @internal One request as a resource describes it. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | null | undefined> | undefined;
  body?: unknown;
  /**
   * The voice API (`/api/v1`) takes the API key as `x-api-key`, the rest as `Authorization:
   * Bearer`; the device API sends a device session token (`{ token }`) as Bearer instead.
   */
  auth?: 'bearer' | 'x-api-key' | 'none' | { token: string };
  options?: RequestOptions | undefined;
  /** Return the body as text (e.g. NDJSON) instead of parsing it as JSON; errors still parse. */
  text?: { accept: string };
}

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8787';
const SDK_VERSION = '0.1.0';

/** @internal The HTTP layer shared by every resource. */
export class Transport {
  readonly baseUrl: string;
  readonly webhookSecret: string | undefined;
  /** Milliseconds before one attempt is abandoned, unless a call says otherwise. */
  readonly timeout: number;
  private readonly apiKey: string | undefined;
  private readonly maxRetries: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: KeyraOptions) {
    this.apiKey = options.apiKey ?? readEnv('KEYRA_API_KEY');
    this.baseUrl = (options.baseUrl ?? readEnv('KEYRA_BASE_URL') ?? DEFAULT_BASE_URL).replace(
      /\/+$/,
      '',
    );
    this.timeout = options.timeout ?? 60_000;
    this.maxRetries = options.maxRetries ?? 2;
    this.webhookSecret = options.webhookSecret;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new TypeError('@keyra/sdk needs fetch: pass `fetch` in the options.');
    }
    this.fetchImpl = fetchImpl;
  }

  /** Sends a request (with retries) and returns its parsed JSON body, or throws a KeyraError. */
  async request<T>(spec: RequestSpec): Promise<T> {
    const auth = spec.auth ?? 'bearer';
    if ((auth === 'bearer' || auth === 'x-api-key') && this.apiKey === undefined) {
      throw new AuthenticationError(
        'No API key: pass `apiKey` to new Keyra() or set KEYRA_API_KEY.',
        { code: 'api_key_missing' },
      );
    }
    const url = new URL(this.baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      accept: spec.text?.accept ?? 'application/json',
      'user-agent': `keyra-sdk-typescript/${SDK_VERSION}`,
    };
    if (auth === 'bearer') headers.authorization = `Bearer ${this.apiKey}`;
    if (auth === 'x-api-key') headers['x-api-key'] = this.apiKey!;
    if (typeof auth === 'object') headers.authorization = `Bearer ${auth.token}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    // One key per logical call, reused by each retry, so the server runs the POST once.
    if (spec.method === 'POST') {
      headers['idempotency-key'] = spec.options?.idempotencyKey ?? randomKey();
    }
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const timeout = spec.options?.timeout ?? this.timeout;
    const signal = spec.options?.signal;

    let response: Response;
    try {
      response = await withRetries(
        () => this.attempt(url, { method: spec.method, headers, body }, timeout, signal),
        { maxRetries: spec.options?.maxRetries ?? this.maxRetries },
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      throw new APIConnectionError(
        timedOut
          ? `No response from ${this.baseUrl} within ${timeout} ms.`
          : `Could not reach KEYRA at ${this.baseUrl}: ${(error as Error)?.message ?? error}`,
        { code: timedOut ? 'timeout' : 'connection_error', cause: error, baseUrl: this.baseUrl },
      );
    }
    const text = await response.text();
    if (spec.text && response.ok) return text as T;
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (!response.ok) throw errorFromResponse(response.status, parsed, response.headers);
    if (parsed === undefined && text !== '') {
      throw new KeyraError(`KEYRA answered HTTP ${response.status} with a body that is not JSON.`, {
        code: 'invalid_response',
        status: response.status,
        requestId: response.headers.get('request-id') ?? undefined,
        headers: response.headers,
      });
    }
    return parsed as T;
  }

  /** Fetches a URL without credentials (the JWKS). */
  async fetchPublic(url: string): Promise<Response> {
    return this.fetchImpl(url, { headers: { accept: 'application/json' } });
  }

  private attempt(
    url: URL,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const timer = AbortSignal.timeout(timeout);
    if (signal === undefined) return this.fetchImpl(url, { ...init, signal: timer });
    // AbortSignal.any() is missing on Node 18: combine the caller's signal and the timeout by hand.
    const both = new AbortController();
    const forward = (source: AbortSignal) => () => both.abort(source.reason);
    for (const source of [signal, timer]) {
      if (source.aborted) both.abort(source.reason);
      else source.addEventListener('abort', forward(source), { once: true });
    }
    return this.fetchImpl(url, { ...init, signal: both.signal });
  }
}

/**
 * A random idempotency key. `crypto.randomUUID` exists only in secure contexts in browsers (a
 * page on plain http from another host has none), `getRandomValues` everywhere.
 */
function randomKey(): string {
  const crypto = globalThis.crypto;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
