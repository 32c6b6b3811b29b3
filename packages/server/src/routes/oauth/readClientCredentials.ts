import { KeyraError, type ClientCredentials } from '@keyra/core';
import type { FastifyRequest } from 'fastify';
import type { FormParams } from './formBody.js';

/** How the client authenticated. */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | null;

/**
 * The client credentials of a token or bc-authorize request: HTTP Basic (`client_secret_basic`,
 * the id and secret form-encoded, RFC 6749 §2.3.1) or `client_id` + `client_secret` in the body
 * (`client_secret_post`). Using both is `invalid_request` (a `client_id` beside Basic is allowed
 * when it names the same client); a malformed Basic header is
 * `invalid_client`; neither yields null credentials (the verb refuses them as `invalid_client`).
 */
export function readClientCredentials(
  request: FastifyRequest,
  params: FormParams,
): { method: ClientAuthMethod; credentials: ClientCredentials | null } {
  const header = request.headers.authorization;
  const inBody = params.client_id !== undefined || params.client_secret !== undefined;
  if (header !== undefined) {
    if (params.client_secret !== undefined)
      throw new KeyraError(
        'invalid_request',
        'Authenticate the client one way: HTTP Basic or client_id/client_secret in the body, not both.',
      );
    const match = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(header.trim());
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const refuse = (): never => {
      throw new KeyraError('invalid_client', 'Client authentication failed.', {
        cause: 'malformed',
      });
    };
    if (colon < 0) return refuse();
    let credentials: ClientCredentials;
    try {
      credentials = {
        clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      };
    } catch {
      return refuse();
    }
    // Clients may repeat their id in the body beside Basic (openid-client does); it must agree.
    if (params.client_id !== undefined && params.client_id !== credentials.clientId)
      throw new KeyraError('invalid_request', 'client_id in the body differs from HTTP Basic.');
    return { method: 'client_secret_basic', credentials };
  }
  if (!inBody) return { method: null, credentials: null };
  return {
    method: 'client_secret_post',
    credentials: { clientId: params.client_id ?? '', clientSecret: params.client_secret ?? '' },
  };
}
