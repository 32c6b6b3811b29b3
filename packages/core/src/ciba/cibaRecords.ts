import type { EpochMs, Environment } from '../domain.js';

/** How a CIBA client learns that its request was decided (CIBA Core 1.0 §5). */
export type DeliveryMode = 'poll' | 'ping' | 'push';

export const DELIVERY_MODES: readonly DeliveryMode[] = ['poll', 'ping', 'push'];

/** An OAuth client allowed to use the CIBA front door, in one tenant and environment. */
export interface OAuthClientRecord {
  /** `cli_…`: the OAuth `client_id`. */
  id: string;
  tenantId: string;
  environment: Environment;
  name: string;
  /** SHA-256 (hex) of the client secret. The secret itself is never stored. */
  secretHash: string;
  deliveryMode: DeliveryMode;
  /** `client_notification_endpoint` of a ping or push client; null in poll mode. */
  notifyUrl: string | null;
  createdAt: EpochMs;
  revokedAt: EpochMs | null;
}

/**
 * One backchannel authentication request. The auth request IS a challenge (`challengeId`); this
 * row adds what CIBA needs beside it. The `auth_req_id` itself is never stored: `handleHash` is
 * its SHA-256, so reading the table gives no handle a client could poll with.
 */
export interface CibaRequestRecord {
  /** SHA-256 (hex) of the `auth_req_id` handed to the client. */
  handleHash: string;
  tenantId: string;
  environment: Environment;
  challengeId: string;
  clientId: string;
  /** The granted scope, space separated (always contains `openid`). */
  scope: string;
  /** The client's `client_notification_token`, sealed (ping and push), or null (poll). */
  sealedNotificationToken: string | null;
  /**
   * The `auth_req_id` itself, sealed, for ping and push (their notifications carry it); null in
   * poll mode. Sealed under the server secret: a database read alone still gives no handle.
   */
  sealedAuthReqId: string | null;
  /** Minimum seconds between two token polls; faster polls get `slow_down`. */
  intervalSeconds: number;
  /** The last poll that was answered (not a `slow_down`), or null. */
  lastPolledAt: EpochMs | null;
  /** Set once, by the one token request that got the tokens. */
  tokensIssuedAt: EpochMs | null;
  createdAt: EpochMs;
  expiresAt: EpochMs;
}
