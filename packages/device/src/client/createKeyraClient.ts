import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/*
 * The few KEYRA routes the simulator calls, over global fetch. Deliberately small: the TypeScript
 * SDK will replace this module, so it stays one file with one method per route and no retries.
 */

/** A challenge as the device API shows it: no digest, the device computes it from these fields. */
export interface DeviceChallenge {
  id: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  action: string;
  userId: string;
  payload: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

/** The answer of `POST /v1/challenges/:id/verify` and of the device API's `respond`. */
export interface VerifiedChallenge {
  id: string;
  status: 'approved' | 'rejected';
  proof: string | null;
  deviceId: string;
  method: string;
  decidedAt: string;
}

/** A paired device, as `POST /v1/credentials/register/verify` returns it (the fields used here). */
export interface PairedDevice {
  deviceId: string;
  userId: string;
  kind: string;
  [field: string]: unknown;
}

/** A device-API session: send `token` as a bearer token until `expiresAt`. */
export interface DeviceSessionToken {
  token: string;
  expiresAt: string;
}

/** A non-2xx answer from the server, with its `{code, message, details?}` body. */
export class KeyraApiError extends Error {
  override readonly name = 'KeyraApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The server could not be reached (refused, reset, DNS, timeout). */
export class KeyraConnectionError extends Error {
  override readonly name = 'KeyraConnectionError';
}

/** Options of {@link createKeyraClient}. */
export interface KeyraClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8787`. */
  baseUrl: string;
  /** The fetch implementation; global `fetch` by default. */
  fetch?: typeof fetch;
  /** Milliseconds before a request (other than a long-poll) is abandoned. Default 30 000. */
  timeoutMs?: number;
}

/** The simulator's view of the KEYRA API. `apiKey` is a tenant key; `token` a device session. */
export interface KeyraClient {
  /** `POST /v1/simulator/attestation-certificates`: the sandbox "factory" certifies a device key. */
  createAttestationCertificate(
    apiKey: string,
    body: { publicKey: string; aaguid: string },
  ): Promise<{ certificateChain: string[] }>;
  /** `POST /v1/credentials/register`: creation options for pairing. */
  createRegistrationOptions(
    apiKey: string,
    body: { userId: string; displayName: string },
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** `POST /v1/credentials/register/verify`: finishes pairing. */
  verifyRegistration(
    apiKey: string,
    body: { userId: string; response: RegistrationResponseJSON; name?: string },
  ): Promise<PairedDevice>;
  /** `POST /v1/challenges/:id/verify`: the backend's path (the device API's `respond` is the other). */
  verifyChallenge(
    apiKey: string,
    challengeId: string,
    body: { deviceId: string; attestation: AuthenticationResponseJSON },
  ): Promise<VerifiedChallenge>;
  /** `POST /v1/device-api/sessions/options`: request options to sign in as the device. */
  createSessionOptions(body: { deviceId: string }): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** `POST /v1/device-api/sessions`: trades the signed options for a session token. */
  createSession(body: {
    deviceId: string;
    response: AuthenticationResponseJSON;
  }): Promise<DeviceSessionToken>;
  /** `GET /v1/device-api/challenges[?wait=S]`: pending challenges, long-polling up to `wait` s. */
  listChallenges(
    token: string,
    options?: { wait?: number; signal?: AbortSignal },
  ): Promise<{ data: DeviceChallenge[] }>;
  /** `GET /v1/device-api/challenges/:id`. */
  getChallenge(token: string, challengeId: string): Promise<DeviceChallenge>;
  /** `POST /v1/device-api/challenges/:id/respond`: approve or reject from the device. */
  respondToChallenge(
    token: string,
    challengeId: string,
    body: { attestation: AuthenticationResponseJSON },
  ): Promise<VerifiedChallenge>;
}

/** A {@link KeyraClient} for one server. */
export function createKeyraClient(options: KeyraClientOptions): KeyraClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    init: { bearer?: string; body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(init.timeoutMs ?? timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetchFn(`${baseUrl}${path}`, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal,
      });
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      const reason = timeout.aborted
        ? 'timed out'
        : ((cause as Error & { cause?: { code?: string } }).cause?.code ??
          (cause as Error).message);
      throw new KeyraConnectionError(`cannot reach the KEYRA server at ${baseUrl} (${reason})`, {
        cause,
      });
    }
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page, say): reported below with the status.
    }
    if (!response.ok) {
      const error = (body ?? {}) as { code?: unknown; message?: unknown; details?: unknown };
      throw new KeyraApiError(
        response.status,
        typeof error.code === 'string' ? error.code : `http_${response.status}`,
        typeof error.message === 'string'
          ? error.message
          : `${method} ${path} answered ${response.status} ${response.statusText}`.trim(),
        error.details,
      );
    }
    if (body === undefined) {
      throw new KeyraApiError(
        response.status,
        'invalid_response',
        `${method} ${path} answered ${response.status} without a JSON body`,
      );
    }
    return body as T;
  }

  const id = (challengeId: string): string => encodeURIComponent(challengeId);

  return {
    createAttestationCertificate: (apiKey, body) =>
      call('POST', '/v1/simulator/attestation-certificates', { bearer: apiKey, body }),
    createRegistrationOptions: (apiKey, body) =>
      call('POST', '/v1/credentials/register', { bearer: apiKey, body }),
    verifyRegistration: (apiKey, body) =>
      call('POST', '/v1/credentials/register/verify', { bearer: apiKey, body }),
    verifyChallenge: (apiKey, challengeId, body) =>
      call('POST', `/v1/challenges/${id(challengeId)}/verify`, { bearer: apiKey, body }),
    createSessionOptions: (body) => call('POST', '/v1/device-api/sessions/options', { body }),
    createSession: (body) => call('POST', '/v1/device-api/sessions', { body }),
    listChallenges: (token, listOptions = {}) => {
      const wait = listOptions.wait ?? 0;
      return call(
        'GET',
        wait > 0 ? `/v1/device-api/challenges?wait=${wait}` : '/v1/device-api/challenges',
        {
          bearer: token,
          ...(listOptions.signal ? { signal: listOptions.signal } : {}),
          // A long-poll legitimately takes `wait` seconds; allow for that on top of the timeout.
          timeoutMs: timeoutMs + wait * 1000,
        },
      );
    },
    getChallenge: (token, challengeId) =>
      call('GET', `/v1/device-api/challenges/${id(challengeId)}`, { bearer: token }),
    respondToChallenge: (token, challengeId, body) =>
      call('POST', `/v1/device-api/challenges/${id(challengeId)}/respond`, {
        bearer: token,
        body,
      }),
  };
}
