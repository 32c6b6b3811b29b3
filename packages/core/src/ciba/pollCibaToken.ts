import { effectiveStatus } from '../challenges/effectiveStatus.js';
import type { ApprovalMethod, ChallengeRecord, EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import { randomBase62, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import type { OAuthClientRecord } from './cibaRecords.js';
import { authorizationDetailsOf, hashAuthReqId } from './startBackchannelAuthentication.js';

/** The grant type of the CIBA token request. */
export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';
/** Lifetime of the ID token and the access token, in seconds. */
export const CIBA_TOKEN_TTL_SECONDS = 300;
const AUTH_REQ_ID_MAX_LENGTH = 256;

/** Signs ID tokens (ES256) with the keys the JWKS publishes; the server implements it. */
export interface IdTokenSigner {
  /** The `iss` of ID tokens: the discovery document's `issuer`. */
  issuer(): string;
  sign(claims: Record<string, unknown>, now: EpochMs): Promise<string>;
}

export interface PollCibaTokenDeps {
  storage: Storage;
  signer: IdTokenSigner;
  now: EpochMs;
  random?: RandomBytes;
}

/** The successful token response (CIBA Core §11), with RFC 9396 details and the KEYRA proof. */
export interface CibaTokens {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  id_token: string;
  scope: string;
  authorization_details: Record<string, unknown>[];
  /** The KEYRA proof (compact JWS) of the approval, verifiable offline like any proof. */
  keyra_proof: string | null;
}

/** RFC 8176 authentication method references of an approval. */
function amrOf(method: ApprovalMethod | null): string[] {
  // KEYRA ONE: a hardware-bound key and the human's touch. A passkey may be synced software.
  return method === 'device' ? ['hwk', 'user'] : ['user'];
}

/**
 * Answers a CIBA token request (`grant_type=urn:openid:params:grant-type:ciba`) of an
 * authenticated client. Checks, in order: the grant type (`invalid_request` when missing,
 * `unsupported_grant_type` when another); an `auth_req_id` that this client was given
 * (`invalid_grant`, the same for unknown and foreign handles); the client is not in push mode
 * (`unauthorized_client`); the tokens were not handed out yet (`invalid_grant`, a replayed
 * `auth_req_id`); then the challenge's state: expired → `expired_token`, rejected →
 * `access_denied`, pending → `authorization_pending`, or `slow_down` when polled again within
 * `interval` (one conditional write decides, so racing polls cannot both pass). On approval it
 * signs the ID token, then one conditional write claims the tokens: of any number of racing
 * requests on any number of instances, exactly one gets them and the rest `invalid_grant`.
 */
export async function pollCibaToken(
  client: OAuthClientRecord,
  params: Readonly<Record<string, string | undefined>>,
  deps: PollCibaTokenDeps,
): Promise<CibaTokens> {
  const { storage, now } = deps;
  if (params.grant_type === undefined)
    throw new KeyraError('invalid_request', `grant_type is required: ${CIBA_GRANT_TYPE}.`);
  if (params.grant_type !== CIBA_GRANT_TYPE)
    throw new KeyraError(
      'unsupported_grant_type',
      `The token endpoint takes only grant_type=${CIBA_GRANT_TYPE}.`,
    );
  const authReqId = params.auth_req_id;
  const grantRefused = (message: string): never => {
    throw new KeyraError('invalid_grant', message);
  };
  if (authReqId === undefined || authReqId === '')
    throw new KeyraError('invalid_request', 'auth_req_id is required.');
  if (authReqId.length > AUTH_REQ_ID_MAX_LENGTH) grantRefused('Unknown auth_req_id.');
  const handleHash = hashAuthReqId(authReqId);
  const request = await storage.cibaRequests.findByHandle(handleHash);
  if (!request || request.clientId !== client.id) return grantRefused('Unknown auth_req_id.');
  if (client.deliveryMode === 'push')
    throw new KeyraError(
      'unauthorized_client',
      'This client is in push mode: its tokens are pushed to its notification endpoint.',
    );
  if (request.tokensIssuedAt !== null)
    grantRefused('The tokens of this auth_req_id were already issued.');

  const scope = { tenantId: request.tenantId, environment: request.environment };
  const challenge = await storage.challenges.find(scope, request.challengeId);
  if (!challenge) return grantRefused('Unknown auth_req_id.');
  const status = effectiveStatus(challenge, now);
  if (status === 'expired')
    throw new KeyraError('expired_token', 'The request expired before the human decided.');
  if (status === 'rejected')
    throw new KeyraError('access_denied', 'The human rejected the request.');
  if (status === 'pending') {
    if (!(await storage.cibaRequests.recordPoll(handleHash, now)))
      throw new KeyraError(
        'slow_down',
        `Polled faster than every ${request.intervalSeconds} s; wait longer between polls.`,
      );
    throw new KeyraError('authorization_pending', 'The human has not decided yet.');
  }
  // Only an approval yields tokens: a challenge canceled through the API (or any status added
  // later) is a refusal, never a grant.
  if (status !== 'approved')
    throw new KeyraError(
      'access_denied',
      `The request was ${status} before the human approved it.`,
    );
  // Signed first, then one conditional write claims the tokens: a loser has signed for nothing.
  const tokens = await issueTokens(client, authReqId, request.scope, challenge, deps);
  if (!(await storage.cibaRequests.markTokensIssued(handleHash, now)))
    throw new KeyraError('invalid_grant', 'The tokens of this auth_req_id were already issued.');
  return tokens;
}

/** The tokens of an approved request: a signed ID token, an opaque access token, the details. */
export async function issueTokens(
  client: OAuthClientRecord,
  authReqId: string,
  grantedScope: string,
  challenge: ChallengeRecord,
  deps: { signer: IdTokenSigner; now: EpochMs; random?: RandomBytes },
): Promise<CibaTokens> {
  const { now } = deps;
  const iat = Math.floor(now / 1000);
  const idToken = await deps.signer.sign(
    {
      iss: deps.signer.issuer(),
      sub: challenge.userId,
      aud: client.id,
      iat,
      exp: iat + CIBA_TOKEN_TTL_SECONDS,
      auth_time: Math.floor((challenge.decidedAt ?? now) / 1000),
      'urn:openid:params:jwt:claim:auth_req_id': authReqId,
      amr: amrOf(challenge.method),
    },
    now,
  );
  return {
    access_token: `at_${randomBase62(43, deps.random ?? systemRandom)}`,
    token_type: 'Bearer',
    expires_in: CIBA_TOKEN_TTL_SECONDS,
    id_token: idToken,
    scope: grantedScope,
    authorization_details: authorizationDetailsOf(challenge),
    keyra_proof: challenge.proof,
  };
}
