import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import type { SecretBox } from '../secrets/createSecretBox.js';
import type { OAuthClientRecord } from './cibaRecords.js';
import { issueTokens, type IdTokenSigner } from './pollCibaToken.js';
import { effectiveStatus } from '../challenges/effectiveStatus.js';

export interface BuildCibaNotificationDeps {
  storage: Storage;
  /** The box the notification token and the sealed `auth_req_id` were sealed with. */
  box: SecretBox;
  signer: IdTokenSigner;
  now: EpochMs;
}

/** One notification to send: where, with which bearer token, what JSON body. */
export interface CibaNotification {
  client: OAuthClientRecord;
  url: string;
  /** The client's `client_notification_token`, sent as `Authorization: Bearer`. */
  bearer: string;
  body: string;
}

/**
 * The notification of a decided CIBA request (CIBA Core §10.2 ping, §10.3 push), or null when
 * there is nothing to send any more (the client was revoked or the request is gone). Ping sends
 * `{auth_req_id}`; the client then collects the tokens at the token endpoint. Push sends the
 * token response itself with `auth_req_id`, or `{auth_req_id, error, error_description}` for a
 * rejection (`access_denied`) or an expiry (`expired_token`). The tokens of a push are marked
 * issued, so no token request can get them again; a retried push delivery re-signs the same
 * claims (delivery is at least once: receivers dedupe by `auth_req_id`).
 */
export async function buildCibaNotification(
  handleHash: string,
  deps: BuildCibaNotificationDeps,
): Promise<CibaNotification | null> {
  const { storage, box, now } = deps;
  const request = await storage.cibaRequests.findByHandle(handleHash);
  if (!request || request.sealedNotificationToken === null || request.sealedAuthReqId === null)
    return null;
  const client = await storage.oauthClients.locate(request.clientId);
  if (!client || client.revokedAt !== null || client.notifyUrl === null) return null;
  const scope = { tenantId: request.tenantId, environment: request.environment };
  const challenge = await storage.challenges.find(scope, request.challengeId);
  if (!challenge) return null;
  const authReqId = box.open(request.sealedAuthReqId, `auth_req_id:${handleHash}`).toString('utf8');
  const bearer = box.open(request.sealedNotificationToken, handleHash).toString('utf8');
  const send = (body: Record<string, unknown>): CibaNotification => ({
    client,
    url: client.notifyUrl as string,
    bearer,
    body: JSON.stringify(body),
  });
  if (client.deliveryMode === 'ping') return send({ auth_req_id: authReqId });
  const status = effectiveStatus(challenge, now);
  if (status === 'approved') {
    await storage.cibaRequests.markTokensIssued(handleHash, now);
    const tokens = await issueTokens(client, authReqId, request.scope, challenge, deps);
    return send({ auth_req_id: authReqId, ...tokens });
  }
  if (status === 'pending') throw new KeyraError('internal_error', 'The request is still pending.');
  return send(
    status === 'rejected'
      ? {
          auth_req_id: authReqId,
          error: 'access_denied',
          error_description: 'The human rejected the request.',
        }
      : {
          auth_req_id: authReqId,
          error: 'expired_token',
          error_description: 'The request expired before the human decided.',
        },
  );
}
