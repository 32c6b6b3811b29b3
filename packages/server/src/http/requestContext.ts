import type { AuthenticatedKey, ResolvedConsoleSession } from '@keyra/core';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authentication hook on every API route; null before it runs. */
    auth: AuthenticatedKey | null;
    /** Set when this request claimed an Idempotency-Key and must store its response. */
    idempotencyClaim: { key: string; token: number } | null;
    /** Set when a console session (cookie) authenticated this request; its changes are recorded. */
    consoleSession: Pick<ResolvedConsoleSession, 'session' | 'user'> | null;
  }
}

export {};
