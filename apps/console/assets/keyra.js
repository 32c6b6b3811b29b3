// The console talks to the server only through @keyra/sdk, the same ES modules a Node program
// imports, served by this server at /console/sdk/. This module builds the page's clients and
// logs every request they make for the page's request log.

import { Keyra, KeyraError, ProofVerificationError } from '../sdk/index.js';
import { decodeJws } from './jws.js';

/**
 * An error of the page itself (an empty field, a live key), shown like the API's: a code and a
 * message, no HTTP status.
 * @param {string} code
 * @param {string} message
 * @returns {KeyraError}
 */
export function pageError(code, message) {
  return new KeyraError(message, { code });
}

/**
 * @typedef {object} LogEntry
 * @property {string} method
 * @property {string} path
 * @property {number} status 0 when the server could not be reached
 * @property {number} ms
 * @property {string} [code] the API's error code
 */

/**
 * The signed-in console hosting this page: a `fetch` that authenticates with the console session.
 * @typedef {{ fetch: (input: URL, init: RequestInit) => Promise<Response> }} HostSession
 */

/** @type {HostSession | null} */
let hostSession = null;

/**
 * Called by the signed-in console before it starts the hosted playground and Usage pages.
 * @param {HostSession} session
 */
export function hostInConsole(session) {
  hostSession = session;
}

/** The session of the console hosting this page, or null on the stand-alone page. */
export const hostedSession = () => hostSession;

/**
 * @typedef {object} Clients
 * @property {Keyra} anonymous no key: stamps, the stamp configuration and proof checks (one
 *   JWKS cache for the page)
 * @property {() => Keyra} withKey a client with the key in the form; throws a page error when
 *   there is none
 */

/**
 * The page's SDK clients for this origin. The SDK does not retry here: the request log shows
 * each request the page made, once.
 * @param {() => string} getKey the current sandbox key ('' when none); may throw a page error
 * @param {(entry: LogEntry) => void} [onRequest] told about every request
 * @param {HostSession | null} [session] in the signed-in console: requests go through the session
 *   instead of a key
 * @returns {Clients}
 */
export function createClients(getKey, onRequest = () => {}, session = null) {
  /**
   * `fetch` for the SDK: same origin, no cookies, no cache, no redirects, and logged.
   * @param {RequestInfo | URL} input
   * @param {RequestInit} [init]
   * @returns {Promise<Response>}
   */
  async function loggedFetch(input, init = {}) {
    const url = new URL(input instanceof Request ? input.url : String(input), location.href);
    if (url.origin !== location.origin) throw new Error(`Not this server: ${url.origin}`);
    const method = init.method ?? 'GET';
    const path = `${url.pathname}${url.search}`;
    const started = performance.now();
    let response;
    try {
      response = session
        ? await session.fetch(url, { ...init, cache: 'no-store', redirect: 'error' })
        : await fetch(url, { ...init, credentials: 'omit', cache: 'no-store', redirect: 'error' });
    } catch (error) {
      onRequest({ method, path, status: 0, ms: performance.now() - started, code: 'network' });
      throw error;
    }
    /** @type {LogEntry} */
    const entry = { method, path, status: response.status, ms: performance.now() - started };
    if (!response.ok) {
      const body = await response
        .clone()
        .json()
        .catch(() => null);
      entry.code = typeof body?.code === 'string' ? body.code : `http_${response.status}`;
    }
    onRequest(entry);
    return response;
  }

  const options = { baseUrl: location.origin, fetch: loggedFetch, maxRetries: 0 };
  const anonymous = new Keyra({ ...options, apiKey: undefined });
  let keyed = { key: '', client: anonymous };
  // The SDK insists on a key; with a session, `session.fetch` drops the placeholder's header and
  // sends the session cookie, CSRF token and environment instead.
  const viaSession = session ? new Keyra({ ...options, apiKey: 'console-session' }) : null;
  return {
    anonymous,
    withKey() {
      if (viaSession) return viaSession;
      const key = getKey();
      if (!key)
        throw pageError(
          'missing_key',
          'Paste a sandbox API key in the "Sandbox API key" box first.',
        );
      if (keyed.key !== key) keyed = { key, client: new Keyra({ ...options, apiKey: key }) };
      return keyed.client;
    },
  };
}

/**
 * Verifies a proof with `keyra.proofs.verify` (ES256, `typ`, a key from the server's JWKS, the
 * signature), as one line of the page's checks.
 * @param {Keyra} keyra
 * @param {string} proof
 * @returns {Promise<{ valid: boolean, reason: string }>}
 */
export async function checkProof(keyra, proof) {
  try {
    await keyra.proofs.verify(proof);
  } catch (error) {
    if (error instanceof ProofVerificationError) return { valid: false, reason: error.message };
    throw error;
  }
  const { header } = decodeJws(proof);
  return {
    valid: true,
    reason: `Signature verified with key ${String(header.kid)} from /.well-known/jwks.json.`,
  };
}
