import {
  authenticateApiKey,
  KeyraError,
  type AuthenticatedKey,
  type ApiKeyStore,
  type Clock,
} from '@keyra/core';
import type { FastifyRequest } from 'fastify';

/**
 * The key presented as `Authorization: Bearer sk_…` or `x-api-key: sk_…` (the Keywave style).
 * Two different keys in one request are refused rather than guessed between.
 */
export function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  let bearer: string | undefined;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    bearer = match?.[1] ?? '';
  }
  const header = request.headers['x-api-key'];
  const apiKey = Array.isArray(header) ? '' : header?.trim();
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    throw new KeyraError('invalid_api_key', 'Missing or invalid API key.', {
      cause: 'conflicting_headers',
    });
  }
  return bearer ?? apiKey;
}

export async function authenticateRequest(
  request: FastifyRequest,
  store: ApiKeyStore,
  clock: Clock,
): Promise<AuthenticatedKey> {
  return authenticateApiKey(store, presentedKey(request), clock.now());
}
