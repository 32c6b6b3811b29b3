import type { RequestOptions, Transport } from '../client.js';
import type {
  Challenge,
  ChallengeList,
  CreateChallengeParams,
  CreatedChallenge,
  ListChallengesParams,
  VerifiedChallenge,
  VerifyChallengeParams,
} from '../types.js';

/** Single-use, time-bound authorization requests (`/v1/challenges`). */
export class Challenges {
  constructor(private readonly transport: Transport) {}

  /** Creates a challenge for `userId` to approve: `{id, status: "pending", expiresAt}`. */
  create(params: CreateChallengeParams, options?: RequestOptions): Promise<CreatedChallenge> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/challenges',
      body: params,
      options,
    });
  }

  /** One challenge with its status, payload, digest and, once approved, its proof. */
  retrieve(id: string, options?: RequestOptions): Promise<Challenge> {
    return this.transport.request({ method: 'GET', path: `/v1/challenges/${enc(id)}`, options });
  }

  /** Newest first; pass `nextCursor` as `cursor` (with the same filters) for the next page. */
  list(params: ListChallengesParams = {}, options?: RequestOptions): Promise<ChallengeList> {
    return this.transport.request({
      method: 'GET',
      path: '/v1/challenges',
      query: params,
      options,
    });
  }

  /**
   * Cancels a pending challenge you no longer need: no device can decide it afterwards. Returns the
   * challenge with `status: "canceled"`; canceling it again returns the same. Throws
   * `ConflictError` (`challenge_not_cancelable`, `details.status`) when it was already approved,
   * rejected or expired.
   */
  cancel(id: string, options?: RequestOptions): Promise<Challenge> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/challenges/${enc(id)}/cancel`,
      body: {},
      options,
    });
  }

  /**
   * Verifies the device's signed answer (`{deviceId, attestation}`, forwarded by your client)
   * and returns `{id, status, proof, …}`: `status` is `approved` or `rejected`.
   */
  verify(
    id: string,
    params: VerifyChallengeParams,
    options?: RequestOptions,
  ): Promise<VerifiedChallenge> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/challenges/${enc(id)}/verify`,
      body: params,
      options,
    });
  }
}

export const enc = encodeURIComponent;
