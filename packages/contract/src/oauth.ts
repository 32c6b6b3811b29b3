import { Type, type Static } from '@sinclair/typebox';

// The OpenID CIBA front door (docs/ciba.md). Requests are form-encoded and checked by the core
// verbs, which answer in OAuth's own error codes; these schemas document them and type the answers.

const param = (description: string) => Type.Optional(Type.String({ description }));

const ClientAuthParams = {
  client_id: param('`client_secret_post`: the client id (or send HTTP Basic instead).'),
  client_secret: param('`client_secret_post`: the client secret (or send HTTP Basic instead).'),
};

export const BackchannelAuthenticationForm = Type.Object(
  {
    scope: param('Space separated; must contain `openid` (the only scope KEYRA grants).'),
    login_hint: param('The KEYRA user id of the human who must approve.'),
    binding_message: param(
      'Up to 64 printable characters shown to the human beside the action and payload.',
    ),
    requested_expiry: param('Seconds until the request expires (10–600, default 120).'),
    authorization_details: param(
      'RFC 9396 JSON: `[{"type":"keyra_action","action":"payment.approve","payload":{…}}]`.',
    ),
    client_notification_token: param('Required for ping and push clients; sent back as Bearer.'),
    ...ClientAuthParams,
  },
  { additionalProperties: true },
);

export const BackchannelAuthenticationResponse = Type.Object(
  {
    auth_req_id: Type.String({ description: 'The handle to poll the token endpoint with.' }),
    expires_in: Type.Integer({ description: 'Seconds until the request expires.' }),
    interval: Type.Integer({ description: 'Minimum seconds between token polls.' }),
  },
  { additionalProperties: false },
);
export type BackchannelAuthenticationResponse = Static<typeof BackchannelAuthenticationResponse>;

export const TokenForm = Type.Object(
  {
    grant_type: param('`urn:openid:params:grant-type:ciba`.'),
    auth_req_id: param('The `auth_req_id` from bc-authorize.'),
    ...ClientAuthParams,
  },
  { additionalProperties: true },
);

export const AuthorizationDetails = Type.Array(
  Type.Object(
    {
      type: Type.Literal('keyra_action'),
      action: Type.String(),
      payload: Type.Record(Type.String(), Type.Unknown()),
    },
    { additionalProperties: false },
  ),
);

export const CibaTokenResponse = Type.Object(
  {
    access_token: Type.String({
      description: 'Opaque and short-lived; no KEYRA endpoint accepts it (see docs/ciba.md).',
    }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    id_token: Type.String({ description: 'ES256, verifiable with `jwks_uri`.' }),
    scope: Type.String(),
    authorization_details: AuthorizationDetails,
    keyra_proof: Type.Union([Type.String(), Type.Null()], {
      description: 'The KEYRA proof (compact JWS) of the approval, as `GET /v1/challenges/:id`.',
    }),
  },
  { additionalProperties: false },
);

export const OAuthErrorBody = Type.Object(
  {
    error: Type.String({ description: 'An RFC 6749 / CIBA error code (docs/ciba.md).' }),
    error_description: Type.String(),
  },
  { additionalProperties: false },
);

export const OpenIdConfiguration = Type.Object(
  {
    issuer: Type.String(),
    backchannel_authentication_endpoint: Type.String(),
    token_endpoint: Type.String(),
    jwks_uri: Type.String(),
    grant_types_supported: Type.Array(Type.String()),
    backchannel_token_delivery_modes_supported: Type.Array(Type.String()),
    token_endpoint_auth_methods_supported: Type.Array(Type.String()),
    id_token_signing_alg_values_supported: Type.Array(Type.String()),
    authorization_details_types_supported: Type.Array(Type.String()),
    scopes_supported: Type.Array(Type.String()),
    subject_types_supported: Type.Array(Type.String()),
    backchannel_user_code_parameter_supported: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type OpenIdConfiguration = Static<typeof OpenIdConfiguration>;
