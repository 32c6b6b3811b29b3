// A small client for the KEYRA API, same origin only. Errors keep the API's `{code, message,
// details}` so the page can show them as they are.

/** An error answer from the API (or a failure to reach it). */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {string} code the API's error code
   * @param {string} message the API's message
   * @param {unknown} [details]
   */
  constructor(status, code, message, details) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @typedef {object} LogEntry
 * @property {string} method
 * @property {string} path
 * @property {number} status
 * @property {number} ms
 * @property {string} [code]
 */

/**
 * Creates an API client for this origin that sends the key as `Authorization: Bearer <key>`, or
 * as `x-api-key: <key>` to the Keywave voice routes under `/api/`.
 * @param {() => string} getKey returns the current sandbox key
 * @param {(entry: LogEntry) => void} [onRequest] told about every request, for the page's log
 */
export function createApi(getKey, onRequest = () => {}) {
  /**
   * @param {'GET' | 'POST'} method
   * @param {string} path an absolute path on this server, e.g. `/v1/challenges`
   * @param {unknown} [body]
   * @param {{ auth?: boolean }} [options]
   */
  async function request(method, path, body, options = {}) {
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new Error(`Not a local path: ${path}`);
    const headers = { accept: 'application/json' };
    if (options.auth !== false) {
      const key = getKey();
      if (!key)
        throw new ApiError(
          0,
          'missing_key',
          'Paste a sandbox API key in the "Sandbox API key" box first.',
        );
      // The Keywave voice API (`/api/v1/…`) takes its key the Keywave way; KEYRA's `/v1` as Bearer.
      if (path.startsWith('/api/')) headers['x-api-key'] = key;
      else headers.authorization = `Bearer ${key}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const started = performance.now();
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'error',
      });
    } catch (error) {
      onRequest({ method, path, status: 0, ms: performance.now() - started, code: 'network' });
      throw new ApiError(0, 'network_error', `Could not reach the server: ${error.message}`);
    }
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Left null: reported below as an unexpected answer.
    }
    const ms = performance.now() - started;
    if (!response.ok) {
      const code = json && typeof json.code === 'string' ? json.code : `http_${response.status}`;
      const message =
        json && typeof json.message === 'string'
          ? json.message
          : text.slice(0, 200) || response.statusText;
      onRequest({ method, path, status: response.status, ms, code });
      throw new ApiError(response.status, code, message, json?.details);
    }
    onRequest({ method, path, status: response.status, ms });
    if (json === null)
      throw new ApiError(
        response.status,
        'invalid_response',
        'The server did not answer with JSON.',
      );
    return json;
  }

  return {
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
  };
}
