import type { AuthenticatedKey } from '@keyra/core';
import type { FastifyRequest } from 'fastify';

/** The authenticated tenant and environment of a request on an API route. */
export function scopeOf(request: FastifyRequest): AuthenticatedKey {
  if (!request.auth) throw new Error('API routes must be registered behind authentication');
  return request.auth;
}
