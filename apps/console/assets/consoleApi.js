// The console's one typed client for its own API (/console/api/…) and for /v1 through the
// session: the cookie goes along (same origin), every change carries X-CSRF-Token, and /v1 calls
// name their environment in Keyra-Environment. No view calls fetch itself.

import { createClients } from './keyra.js';

/** @typedef {'viewer' | 'developer' | 'admin' | 'owner'} ConsoleRole */
/** @typedef {{ id: string, email: string, role: ConsoleRole, createdAt: string, disabledAt: string | null }} ConsoleUser */
/**
 * @typedef {{
 *   user: ConsoleUser,
 *   tenant: { id: string, name: string },
 *   csrfToken: string,
 *   session: { id: string, createdAt: string, expiresAt: string, idleTimeoutSeconds: number },
 * }} ConsoleSession
 */
/** @typedef {'sandbox' | 'production'} Environment */
/**
 * @typedef {{ id: string, prefix: string, environment: Environment,
 *   state: 'active' | 'rotating' | 'expired' | 'revoked', createdAt: string,
 *   expiresAt: string | null, revokedAt: string | null, replacedBy: string | null,
 *   audience: string, lastUsedAt: string | null }} ConsoleApiKey
 * @typedef {{ key: ConsoleApiKey, secret: string, previous?: ConsoleApiKey }} IssuedKey
 */

/** An error answered by the server: `{code, message}` and the HTTP status. */
export class ConsoleApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * `path?a=1&b=2` without the empty values.
 * @param {string} path
 * @param {Record<string, string | number | boolean | undefined | null>} query
 */
function withQuery(path, query) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

export function createConsoleApi() {
  /** @type {string | null} */
  let csrfToken = null;
  /** @type {import('../sdk/index.js').Keyra | undefined} */
  let publicClient;

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, environment?: Environment }} [options]
   * @returns {Promise<any>}
   */
  async function call(method, path, options = {}) {
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
    if (options.environment) headers['keyra-environment'] = options.environment;
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    if (response.status === 204) return null;
    const json = await response.json().catch(() => null);
    if (!response.ok) {
      throw new ConsoleApiError(
        response.status,
        json?.code ?? 'http_error',
        json?.message ?? `HTTP ${response.status}`,
      );
    }
    return json;
  }

  /** @param {ConsoleSession} session */
  const remember = (session) => {
    csrfToken = session.csrfToken;
    return session;
  };

  return {
    /**
     * A `fetch` for the SDK that authenticates with this session: it drops any API key header and
     * sends the cookie, the CSRF token on changes, and the environment `environment()` names.
     * @param {() => Environment} environment
     * @returns {(input: URL, init: RequestInit) => Promise<Response>}
     */
    sessionFetch(environment) {
      return (input, init) => {
        const headers = new Headers(init.headers);
        headers.delete('authorization');
        headers.delete('x-api-key');
        headers.set('keyra-environment', environment());
        const method = (init.method ?? 'GET').toUpperCase();
        if (method !== 'GET' && method !== 'HEAD' && csrfToken)
          headers.set('x-csrf-token', csrfToken);
        return fetch(input, { ...init, headers, credentials: 'same-origin' });
      };
    },
    /** @returns {Promise<ConsoleSession | null>} the session, or null when signed out */
    async session() {
      try {
        return remember(await call('GET', '/console/api/session'));
      } catch (error) {
        if (error instanceof ConsoleApiError && error.code === 'console_session_invalid')
          return null;
        throw error;
      }
    },
    /** @param {string} token */
    enrolmentOptions: (token) =>
      call('POST', '/console/api/enrolment/options', { body: { token } }),
    /**
     * @param {string} token
     * @param {unknown} response
     * @returns {Promise<ConsoleSession>}
     */
    async enrol(token, response) {
      return remember(await call('POST', '/console/api/enrolment', { body: { token, response } }));
    },
    signInOptions: () => call('POST', '/console/api/sign-in/options'),
    /**
     * @param {unknown} response
     * @returns {Promise<ConsoleSession>}
     */
    async signIn(response) {
      return remember(await call('POST', '/console/api/sign-in', { body: { response } }));
    },
    async signOut() {
      await call('POST', '/console/api/sign-out');
      csrfToken = null;
    },
    async signOutEverywhere() {
      const result = await call('POST', '/console/api/sign-out-everywhere');
      csrfToken = null;
      return /** @type {{ revoked: number }} */ (result);
    },
    /**
     * @param {Environment} environment
     * @returns {Promise<{ data: Array<{ id: string, status: string }> }>}
     */
    listChallenges: (environment) => call('GET', '/v1/challenges?limit=10', { environment }),

    /**
     * A key-authenticated route through the session, in one environment: `get(env, '/v1/events',
     * { limit: 20 })`. Empty query values are left out. Views use these for /v1 and /api/v1.
     * @param {Environment} environment
     * @param {string} path
     * @param {Record<string, string | number | boolean | undefined | null>} [query]
     * @returns {Promise<any>}
     */
    get: (environment, path, query = {}) => call('GET', withQuery(path, query), { environment }),
    /**
     * A key-authenticated route that answers text (the audit export's NDJSON), as a Blob.
     * @param {Environment} environment
     * @param {string} path
     * @param {Record<string, string | number | boolean | undefined | null>} [query]
     * @returns {Promise<Blob>}
     */
    async getBlob(environment, path, query = {}) {
      const response = await fetch(withQuery(path, query), {
        headers: { 'keyra-environment': environment },
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'error',
      });
      if (!response.ok) {
        const json = await response.json().catch(() => null);
        throw new ConsoleApiError(
          response.status,
          json?.code ?? 'http_error',
          json?.message ?? `HTTP ${response.status}`,
        );
      }
      return response.blob();
    },
    /**
     * @param {Environment} environment @param {string} path @param {unknown} [body]
     * @returns {Promise<any>}
     */
    post: (environment, path, body) => call('POST', path, { environment, body }),
    /**
     * @param {Environment} environment @param {string} path @param {unknown} [body]
     * @returns {Promise<any>}
     */
    patch: (environment, path, body) => call('PATCH', path, { environment, body }),
    /**
     * @param {Environment} environment @param {string} path
     * @returns {Promise<any>}
     */
    delete: (environment, path) => call('DELETE', path, { environment }),

    /** @returns {Promise<{ data: ConsoleUser[] }>} the tenant's console users (admin and up) */
    listMembers: () => call('GET', '/console/api/members'),
    /**
     * @param {{ email: string, role: ConsoleRole }} invite
     * @returns {Promise<{ inviteUrl: string, expiresAt: string, id: string, email: string, role: ConsoleRole }>}
     */
    inviteMember: (invite) => call('POST', '/console/api/members', { body: invite }),
    /**
     * @param {string} id @param {{ role: ConsoleRole }} change
     * @returns {Promise<ConsoleUser>}
     */
    updateMember: (id, change) =>
      call('PATCH', `/console/api/members/${encodeURIComponent(id)}`, { body: change }),
    /** @param {string} id @returns {Promise<ConsoleUser>} */
    disableMember: (id) => call('POST', `/console/api/members/${encodeURIComponent(id)}/disable`),

    /**
     * @param {Environment} environment
     * @returns {Promise<{ data: ConsoleApiKey[] }>} the tenant's keys (admins and owners)
     */
    listKeys: (environment) => call('GET', withQuery('/console/api/keys', { environment })),
    /**
     * @param {Environment} environment
     * @returns {Promise<IssuedKey>} the new key and its secret, shown once (owners)
     */
    createKey: (environment) => call('POST', '/console/api/keys', { body: { environment } }),
    /**
     * @param {string} id @param {number} graceSeconds how long the old key keeps working
     * @returns {Promise<IssuedKey>} the replacement, its secret, and the old key (owners)
     */
    rotateKey: (id, graceSeconds) =>
      call('POST', `/console/api/keys/${encodeURIComponent(id)}/rotate`, {
        body: { graceSeconds },
      }),
    /** @param {string} id @returns {Promise<ConsoleApiKey>} */
    revokeKey: (id) => call('POST', `/console/api/keys/${encodeURIComponent(id)}/revoke`),

    /**
     * The SDK without a key, for the public routes: proof checks against the JWKS, stamps.
     * @returns {import('../sdk/index.js').Keyra}
     */
    publicSdk() {
      publicClient ??= createClients(() => '').anonymous;
      return publicClient;
    },

    /**
     * The standalone playground page's markup (`/console/playground`), which the shell hosts.
     * @returns {Promise<string>}
     */
    async playgroundMarkup() {
      const response = await fetch('/console/playground', {
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'error',
      });
      if (!response.ok)
        throw new ConsoleApiError(response.status, 'http_error', 'The playground did not load.');
      return response.text();
    },
  };
}
