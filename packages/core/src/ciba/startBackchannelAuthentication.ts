import { createHash } from 'node:crypto';
import { createChallenge } from '../challenges/createChallenge.js';
import { CHALLENGE_LIMITS } from '../challenges/limits.js';
import type { ChallengeRecord, EpochMs } from '../domain.js';
import { KeyraError, isKeyraError } from '../errors.js';
import { randomBase62, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import type { SecretBox } from '../secrets/createSecretBox.js';
import type { CibaRequestRecord, OAuthClientRecord } from './cibaRecords.js';

/** The parameters of `POST /oauth/bc-authorize`, each at most once (the route checks that). */
export type BackchannelParams = Readonly<Record<string, string | undefined>>;

export interface StartBackchannelAuthenticationDeps {
  storage: Storage;
  /** Seals the `client_notification_token` at rest (the server's webhook-secrets box). */
  box: SecretBox;
  /** Minimum seconds between token polls, answered as `interval`. */
  intervalSeconds: number;
  now: EpochMs;
  random?: RandomBytes;
}

export interface StartedBackchannelAuthentication {
  /** The bearer handle the client polls with; stored only as its SHA-256. */
  authReqId: string;
  expiresIn: number;
  interval: number;
  challenge: ChallengeRecord;
  request: CibaRequestRecord;
}

/** The one `authorization_details` type KEYRA takes (RFC 9396). */
export const KEYRA_ACTION_TYPE = 'keyra_action';
export const BINDING_MESSAGE_MAX_LENGTH = 64;
const NOTIFICATION_TOKEN_MAX_LENGTH = 1024;
const HANDLE_LENGTH = 43;

/** SHA-256 hex of an `auth_req_id`: the only form stored. */
export function hashAuthReqId(authReqId: string): string {
  return createHash('sha256').update(authReqId, 'utf8').digest('hex');
}

/** The action and payload of a `keyra_action` authorization detail. */
export interface KeyraAction {
  action: string;
  payload: Record<string, unknown>;
}

/** The `authorization_details` a challenge stands for, as token responses return them. */
export function authorizationDetailsOf(challenge: ChallengeRecord): Record<string, unknown>[] {
  return [{ type: KEYRA_ACTION_TYPE, action: challenge.action, payload: challenge.payload }];
}

function refuse(
  code:
    | 'invalid_request'
    | 'invalid_scope'
    | 'invalid_binding_message'
    | 'invalid_authorization_details'
    | 'access_denied',
  message: string,
): never {
  throw new KeyraError(code, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses `authorization_details`: exactly one `keyra_action` with a valid action and payload. */
export function parseKeyraAction(raw: string | undefined): KeyraAction {
  const bad = (message: string): never => refuse('invalid_authorization_details', message);
  if (raw === undefined)
    return bad(
      'authorization_details is required: [{"type":"keyra_action","action":"…","payload":{…}}].',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return bad('authorization_details is not valid JSON.');
  }
  if (!Array.isArray(parsed) || parsed.length !== 1 || !isRecord(parsed[0]))
    return bad('authorization_details must be an array of exactly one object.');
  const detail = parsed[0];
  if (detail.type !== KEYRA_ACTION_TYPE)
    return bad(`authorization_details[0].type must be "${KEYRA_ACTION_TYPE}".`);
  const unknown = Object.keys(detail).filter((key) => !['type', 'action', 'payload'].includes(key));
  if (unknown.length > 0)
    return bad(
      `authorization_details[0] has unknown members: ${unknown.join(', ').slice(0, 200)}.`,
    );
  const { action, payload } = detail;
  if (
    typeof action !== 'string' ||
    action.length === 0 ||
    action.length > CHALLENGE_LIMITS.actionMaxLength ||
    !new RegExp(CHALLENGE_LIMITS.actionPattern).test(action)
  )
    return bad(
      `authorization_details[0].action must be a dotted lowercase name of at most ${CHALLENGE_LIMITS.actionMaxLength} characters, e.g. "transfer.approve".`,
    );
  if (payload !== undefined && !isRecord(payload))
    return bad('authorization_details[0].payload must be a JSON object.');
  return { action, payload: (payload as Record<string, unknown> | undefined) ?? {} };
}

/**
 * Control, format (zero-width, bidirectional) and separator characters a screen could hide text
 * with, and lone surrogates.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/**
 * Starts a CIBA request for an authenticated client (CIBA Core §7): the request IS a challenge,
 * so the human sees its action and payload (and the binding message) on KEYRA ONE, the passkey
 * page or the device CLI, and approves it like any other. Checks, in order: a ping or push client
 * sent a `client_notification_token` (`invalid_request`); `scope` contains `openid` and nothing
 * else (`invalid_scope`); exactly one hint, a `login_hint` shaped like a KEYRA user id
 * (`invalid_request`; whether the user exists is never checked, so the answer does not reveal it);
 * the binding message is short and printable (`invalid_binding_message`); `requested_expiry` is a
 * whole number of seconds in the challenge range (`invalid_request`); `authorization_details` is
 * one `keyra_action` whose payload passes the challenge limits (`invalid_authorization_details`).
 * Then one transaction writes the challenge and the request (the handle only as its hash, the
 * notification token sealed).
 */
export async function startBackchannelAuthentication(
  client: OAuthClientRecord,
  params: BackchannelParams,
  deps: StartBackchannelAuthenticationDeps,
): Promise<StartedBackchannelAuthentication> {
  const { now } = deps;
  const random = deps.random ?? systemRandom;
  const notificationToken = params.client_notification_token;
  if (client.deliveryMode !== 'poll') {
    if (
      notificationToken === undefined ||
      notificationToken.length === 0 ||
      notificationToken.length > NOTIFICATION_TOKEN_MAX_LENGTH ||
      !/^[\x21-\x7e]+$/.test(notificationToken)
    )
      refuse(
        'invalid_request',
        `This ${client.deliveryMode} client must send client_notification_token (1 to ${NOTIFICATION_TOKEN_MAX_LENGTH} visible ASCII characters).`,
      );
  }

  const scopes = (params.scope ?? '').split(' ').filter(Boolean);
  if (!scopes.includes('openid')) refuse('invalid_scope', 'scope must include openid.');
  const extra = scopes.filter((scope) => scope !== 'openid');
  if (extra.length > 0)
    refuse(
      'invalid_scope',
      `KEYRA grants only the openid scope; got ${extra.join(' ').slice(0, 100)}.`,
    );

  const hints = ['login_hint', 'login_hint_token', 'id_token_hint'].filter(
    (name) => params[name] !== undefined,
  );
  if (hints.length !== 1 || hints[0] !== 'login_hint')
    refuse('invalid_request', 'Send exactly one hint: login_hint, the KEYRA user id.');
  const userId = params.login_hint as string;
  if (
    userId.length === 0 ||
    userId.length > CHALLENGE_LIMITS.userIdMaxLength ||
    !new RegExp(CHALLENGE_LIMITS.userIdPattern).test(userId)
  )
    refuse(
      'invalid_request',
      `login_hint must be a KEYRA user id: 1 to ${CHALLENGE_LIMITS.userIdMaxLength} of A-Z a-z 0-9 . _ : @ -.`,
    );

  const bindingMessage = params.binding_message;
  if (
    bindingMessage !== undefined &&
    (bindingMessage.length === 0 ||
      [...bindingMessage].length > BINDING_MESSAGE_MAX_LENGTH ||
      UNPRINTABLE.test(bindingMessage))
  )
    refuse(
      'invalid_binding_message',
      `binding_message must be 1 to ${BINDING_MESSAGE_MAX_LENGTH} printable characters.`,
    );

  let expiresIn: number = CHALLENGE_LIMITS.expiresInDefault;
  if (params.requested_expiry !== undefined) {
    const raw = params.requested_expiry;
    const value = /^[0-9]{1,6}$/.test(raw) ? Number(raw) : NaN;
    if (
      !Number.isInteger(value) ||
      value < CHALLENGE_LIMITS.expiresInMin ||
      value > CHALLENGE_LIMITS.expiresInMax
    )
      refuse(
        'invalid_request',
        `requested_expiry must be whole seconds between ${CHALLENGE_LIMITS.expiresInMin} and ${CHALLENGE_LIMITS.expiresInMax}.`,
      );
    expiresIn = value;
  }

  const { action, payload } = parseKeyraAction(params.authorization_details);
  const authReqId = randomBase62(HANDLE_LENGTH, random);
  const handleHash = hashAuthReqId(authReqId);
  const scope = { tenantId: client.tenantId, environment: client.environment };
  try {
    return await deps.storage.transaction(async (tx) => {
      const challenge = await createChallenge(
        scope,
        {
          action,
          userId,
          payload,
          expiresIn,
          // The OAuth client is the relying party: the proof's aud, as the ID token's.
          audience: client.id,
          ...(bindingMessage !== undefined ? { bindingMessage } : {}),
        },
        { storage: tx, now, random, actor: client.id },
      );
      const request: CibaRequestRecord = {
        handleHash,
        ...scope,
        challengeId: challenge.id,
        clientId: client.id,
        scope: 'openid',
        sealedNotificationToken:
          client.deliveryMode !== 'poll' && notificationToken !== undefined
            ? deps.box.seal(notificationToken, handleHash)
            : null,
        sealedAuthReqId:
          client.deliveryMode !== 'poll'
            ? deps.box.seal(authReqId, `auth_req_id:${handleHash}`)
            : null,
        intervalSeconds: deps.intervalSeconds,
        lastPolledAt: null,
        tokensIssuedAt: null,
        createdAt: now,
        expiresAt: challenge.expiresAt,
      };
      await tx.cibaRequests.insert(request);
      return {
        authReqId,
        expiresIn: Math.max(1, Math.ceil((challenge.expiresAt - now) / 1000)),
        interval: deps.intervalSeconds,
        challenge,
        request,
      };
    });
  } catch (error) {
    // The payload's size, depth and Unicode checks of createChallenge, in OAuth's words.
    if (isKeyraError(error) && error.code === 'validation_failed')
      refuse('invalid_authorization_details', `authorization_details[0].${error.message}`);
    // An approval policy that a one-user CIBA request cannot meet (a quorum, other approvers, a
    // shorter expiry): the provider denies the request, saying which rule.
    if (isKeyraError(error) && error.code.startsWith('policy_'))
      refuse('access_denied', error.message);
    throw error;
  }
}
