import { CIBA_GRANT_TYPE, DELIVERY_MODES, KEYRA_ACTION_TYPE, PROOF_ALGORITHM } from '@keyra/core';
import { OpenIdConfiguration } from '@keyra/contract';
import type { FastifyInstance } from 'fastify';

export interface DiscoveryRoutesOptions {
  /** The `issuer`, read per request (with `--port 0` the URL is known only after listening). */
  issuer: () => string;
  /** Where this server is reached: the base of its endpoint URLs. */
  baseUrl: () => string;
}

/** `GET /.well-known/openid-configuration`: OpenID Provider metadata of the CIBA front door. */
export async function discoveryRoutes(
  app: FastifyInstance,
  options: DiscoveryRoutesOptions,
): Promise<void> {
  app.get(
    '/.well-known/openid-configuration',
    {
      schema: {
        operationId: 'getOpenIdConfiguration',
        tags: ['OpenID CIBA'],
        summary: 'OpenID Provider metadata for CIBA clients (no key needed).',
        security: [],
        response: { 200: OpenIdConfiguration },
      },
    },
    async (_request, reply): Promise<OpenIdConfiguration> => {
      reply.header('Cache-Control', 'public, max-age=300');
      const base = options.baseUrl().replace(/\/+$/, '');
      return {
        issuer: options.issuer(),
        backchannel_authentication_endpoint: `${base}/oauth/bc-authorize`,
        token_endpoint: `${base}/oauth/token`,
        // Server-wide keys, the same that sign proofs: see docs/ciba.md, "Keys".
        jwks_uri: `${base}/.well-known/jwks.json`,
        grant_types_supported: [CIBA_GRANT_TYPE],
        backchannel_token_delivery_modes_supported: [...DELIVERY_MODES],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        id_token_signing_alg_values_supported: [PROOF_ALGORITHM],
        authorization_details_types_supported: [KEYRA_ACTION_TYPE],
        scopes_supported: ['openid'],
        subject_types_supported: ['public'],
        backchannel_user_code_parameter_supported: false,
      };
    },
  );
}
