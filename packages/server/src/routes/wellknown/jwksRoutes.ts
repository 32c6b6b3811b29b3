import { Jwks } from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import type { ServerProofSigner } from '../../approval/createProofSigner.js';

/** `GET /.well-known/jwks.json`: public keys that verify proofs (no API key needed). */
export async function jwksRoutes(
  app: FastifyInstance,
  options: { signer: ServerProofSigner },
): Promise<void> {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        operationId: 'getJwks',
        tags: ['Proofs'],
        summary: 'Public keys for verifying proofs offline (retired keys included).',
        security: [],
        response: { 200: Jwks },
      },
    },
    async (_request, reply) => {
      reply.header('Cache-Control', 'public, max-age=300');
      return options.signer.jwks();
    },
  );
}
