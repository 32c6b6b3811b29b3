import { newId, type Clock, type ConsoleStore, type Environment } from '@keyra/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * An `onResponse` hook: records every state-changing request made through a console session —
 * who, the method and route, the target id from the path, the status — whatever its outcome.
 * The response has left already, so a failure to record is logged, not answered.
 */
export function recordConsoleAction(
  store: Pick<ConsoleStore, 'recordAction'>,
  clock: Clock,
): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  const record = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const resolved = request.consoleSession;
    if (!resolved) return;
    const params = request.params as { id?: unknown } | undefined;
    const environment: Environment | null =
      request.auth && request.auth.keyId.startsWith('console:') ? request.auth.environment : null;
    try {
      await store.recordAction({
        id: newId('consoleAction'),
        tenantId: resolved.user.tenantId,
        userId: resolved.user.id,
        environment,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
        targetId: typeof params?.id === 'string' ? params.id.slice(0, 128) : null,
        statusCode: reply.statusCode,
        at: clock.now(),
      });
    } catch (error) {
      request.log.error(
        { reason: (error as Error).message, userId: resolved.user.id },
        'could not record a console action',
      );
    }
  };
  // A callback-style hook: most requests carry no console session, and cost no promise here.
  return (request, reply, done) => {
    if (!request.consoleSession || request.method === 'GET' || request.method === 'HEAD')
      return done();
    void record(request, reply).finally(done);
  };
}
