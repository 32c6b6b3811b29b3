// The console's one typed client for its own API (/console/api/…) and for /v1 through the
// session: the cookie goes along (same origin), every change carries X-CSRF-Token, and /v1 calls
// name their environment in Keyra-Environment. No view calls fetch itself.

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

export function createConsoleApi() {
  /** @type {string | null} */
  let csrfToken = null;

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
  };
}
