import {
  authenticateClient,
  pollCibaToken,
  startBackchannelAuthentication,
  type Clock,
  type OAuthClientRecord,
  type SecretBox,
  type Storage,
} from '@keyra/core';
import {
  BackchannelAuthenticationForm,
  BackchannelAuthenticationResponse,
  CibaTokenResponse,
  OAuthErrorBody,
  TokenForm,
} from '@keyra/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notifyApprovers, type ChallengeNotifier } from '../../approval/challengeNotifier.js';
import type { ServerProofSigner } from '../../approval/createProofSigner.js';
import { acceptFormBodies, type FormParams } from './formBody.js';
import { handleOAuthError } from './oauthErrorHandler.js';
import { readClientCredentials } from './readClientCredentials.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the client authentication hook of the OAuth routes. */
    oauthClient: OAuthClientRecord | null;
  }
}

export interface OAuthRoutesOptions {
  storage: Storage;
  clock: Clock;
  signer: ServerProofSigner;
  /** The `issuer` of the discovery document and the `iss` of ID tokens, read per request. */
  issuer: () => string;
  /** Seals `client_notification_token`s (the webhook-secrets box). */
  box: SecretBox;
  intervalSeconds: number;
  notifier: ChallengeNotifier;
}

const OAUTH_ERRORS = {
  400: OAuthErrorBody,
  401: OAuthErrorBody,
  413: OAuthErrorBody,
  429: OAuthErrorBody,
};
/** HTTP Basic; `client_secret_post` (form parameters) has no OpenAPI scheme and is described instead. */
const SECURITY: Record<string, string[]>[] = [{ clientSecretBasic: [] }];

function formOf(request: FastifyRequest): FormParams {
  return (request.body as FormParams | undefined) ?? {};
}

/**
 * `POST /oauth/bc-authorize` and `POST /oauth/token`: the OpenID CIBA front door (docs/ciba.md).
 * Form-encoded only; the client authenticates by `client_secret_basic` or `client_secret_post`
 * in a hook; each handler calls one core verb; every answer is `no-store`, and every refusal an
 * OAuth error.
 */
export async function oauthRoutes(
  app: FastifyInstance,
  options: OAuthRoutesOptions,
): Promise<void> {
  const { storage, clock } = options;
  acceptFormBodies(app);
  app.setErrorHandler(handleOAuthError);
  app.decorateRequest('oauthClient', null);
  app.addHook('preHandler', async (request) => {
    const { credentials } = readClientCredentials(request, formOf(request));
    request.oauthClient = await authenticateClient(storage.oauthClients, credentials, clock.now());
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    reply.header('Pragma', 'no-cache');
    return payload;
  });
  const clientOf = (request: FastifyRequest): OAuthClientRecord => {
    if (!request.oauthClient) throw new Error('OAuth routes run behind client authentication');
    return request.oauthClient;
  };

  app.post(
    '/oauth/bc-authorize',
    {
      schema: {
        operationId: 'startBackchannelAuthentication',
        tags: ['OpenID CIBA'],
        summary: 'Start a backchannel authentication: the request is a challenge for the human.',
        description:
          'CIBA Core 1.0 §7 with RFC 9396 `authorization_details` of type `keyra_action`. The human sees the action, payload and `binding_message` on KEYRA ONE, the passkey page or the device CLI. An unknown `login_hint` is answered like a known one. Errors are OAuth JSON: `invalid_request`, `invalid_scope`, `invalid_binding_message`, `invalid_authorization_details`, `invalid_client` (401).',
        consumes: ['application/x-www-form-urlencoded'],
        security: SECURITY,
        body: BackchannelAuthenticationForm,
        response: { 200: BackchannelAuthenticationResponse, ...OAUTH_ERRORS },
      },
    },
    async (request) => {
      const started = await startBackchannelAuthentication(clientOf(request), formOf(request), {
        storage,
        box: options.box,
        intervalSeconds: options.intervalSeconds,
        now: clock.now(),
      });
      const { challenge } = started;
      notifyApprovers(options.notifier, challenge);
      return {
        auth_req_id: started.authReqId,
        expires_in: started.expiresIn,
        interval: started.interval,
      };
    },
  );

  const idTokens = {
    issuer: options.issuer,
    sign: (claims: Record<string, unknown>, now: number) => options.signer.signIdToken(claims, now),
  };
  app.post(
    '/oauth/token',
    {
      schema: {
        operationId: 'requestCibaToken',
        tags: ['OpenID CIBA'],
        summary: 'Poll for (or collect) the tokens of an approved CIBA request.',
        description:
          '`grant_type=urn:openid:params:grant-type:ciba`. Until the human decides: `authorization_pending`, or `slow_down` when polled faster than `interval`. Then `access_denied` (rejected), `expired_token`, or the tokens, exactly once (a replayed `auth_req_id` is `invalid_grant`).',
        consumes: ['application/x-www-form-urlencoded'],
        security: SECURITY,
        body: TokenForm,
        response: { 200: CibaTokenResponse, ...OAUTH_ERRORS },
      },
    },
    async (request) =>
      pollCibaToken(clientOf(request), formOf(request), {
        storage,
        signer: idTokens,
        now: clock.now(),
      }),
  );
}
