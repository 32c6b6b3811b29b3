import {
  challengeApprovers,
  effectiveStatus,
  finishAuthentication,
  formatTimestamp,
  isIdOf,
  KeyraError,
  startAuthentication,
  verifyChallenge,
  type ChallengeRecord,
  type Clock,
  type DeviceRecord,
  type Scope,
  type Storage,
} from '@keyra/core';
import {
  AuthenticationOptions,
  ChallengeParams,
  DeviceChallenge,
  DeviceChallengeList,
  DeviceChallengesQuery,
  DeviceRespondBody,
  DeviceSession,
  DeviceSessionBody,
  DeviceSessionOptionsBody,
  VerifiedChallenge,
} from '@keyra/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ChallengeNotifier } from '../../approval/challengeNotifier.js';
import {
  DEVICE_SESSION_TTL_MS,
  type DeviceSessionTokens,
} from '../../approval/deviceSessionTokens.js';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { stampJson } from '../stamps/stampJson.js';
import { observeApproval } from '../../http/metrics.js';
import { verifiedQuorumJson } from '../challenges/challengeJson.js';

export interface DeviceApiRoutesOptions {
  storage: Storage;
  clock: Clock;
  approval: ApprovalServices;
  tokens: DeviceSessionTokens;
  notifier: ChallengeNotifier;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated device on device-API routes. */
    device: DeviceRecord | null;
  }
}

const scopeOfDevice = (device: DeviceRecord): Scope => ({
  tenantId: device.tenantId,
  environment: device.environment,
});

/** A device that may still act: exists, not revoked, not disabled. Failures look alike from outside. */
async function activeDevice(storage: Storage, deviceId: string): Promise<DeviceRecord> {
  const device = isIdOf('device', deviceId) ? await storage.devices.locate(deviceId) : null;
  if (!device || device.revokedAt !== null || device.disabledAt !== null) {
    throw new KeyraError('device_not_found', `No active paired device ${deviceId}.`);
  }
  return device;
}

function deviceChallengeJson(challenge: ChallengeRecord, now: number): DeviceChallenge {
  return {
    id: challenge.id,
    status: effectiveStatus(challenge, now),
    action: challenge.action,
    userId: challenge.userId,
    payload: challenge.payload,
    createdAt: formatTimestamp(challenge.createdAt),
    expiresAt: formatTimestamp(challenge.expiresAt),
    ...(challenge.bindingMessage != null ? { bindingMessage: challenge.bindingMessage } : {}),
    // A quorum challenge's digest covers its approvers and quorum: the device needs both.
    ...(challenge.quorum
      ? { approvers: challenge.quorum.approvers, quorum: challenge.quorum.quorum }
      : {}),
  };
}

/**
 * The device API: a KEYRA ONE authenticates with its own credential (a WebAuthn assertion over a
 * fresh challenge buys a 15-minute session token), lists its user's pending challenges with
 * long-polling, and answers them directly. The tenant's secret key is never on the device.
 */
export async function deviceApiRoutes(
  app: FastifyInstance,
  options: DeviceApiRoutesOptions,
): Promise<void> {
  const { storage, clock, approval, tokens, notifier } = options;
  const tags = ['Device API'];
  app.decorateRequest('device', null);

  app.post<{ Body: DeviceSessionOptionsBody }>(
    '/v1/device-api/sessions/options',
    {
      schema: {
        operationId: 'startDeviceSession',
        tags,
        summary: 'Device sign-in, step 1: WebAuthn request options for this device.',
        security: [],
        body: DeviceSessionOptionsBody,
        response: { 200: AuthenticationOptions, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const device = await activeDevice(storage, request.body.deviceId);
      return startAuthentication(
        storage,
        approval.rp,
        scopeOfDevice(device),
        { userId: device.userId },
        clock.now(),
      );
    },
  );

  app.post<{ Body: DeviceSessionBody }>(
    '/v1/device-api/sessions',
    {
      schema: {
        operationId: 'createDeviceSession',
        tags,
        summary: 'Device sign-in, step 2: trade the signed assertion for a session token.',
        security: [],
        body: DeviceSessionBody,
        response: { 201: DeviceSession, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const device = await activeDevice(storage, request.body.deviceId);
      const now = clock.now();
      const signedIn = await finishAuthentication(
        storage,
        approval.rp,
        approval.trust,
        scopeOfDevice(device),
        { userId: device.userId, response: request.body.response },
        now,
      );
      if (signedIn.id !== device.id)
        throw new KeyraError('attestation_invalid', 'The assertion was made by another device.');
      const expiresAt = now + DEVICE_SESSION_TTL_MS;
      const token = tokens.issue({
        deviceId: device.id,
        tenantId: device.tenantId,
        environment: device.environment,
        expiresAt,
      });
      return reply.status(201).send({ token, expiresAt: formatTimestamp(expiresAt) });
    },
  );

  await app.register(async (session) => {
    session.addHook('onRequest', async (request: FastifyRequest) => {
      const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
      const claims = match ? tokens.read(match[1]!, clock.now()) : null;
      const device = claims ? await storage.devices.locate(claims.deviceId) : null;
      if (!claims || !device || device.revokedAt !== null || device.disabledAt !== null) {
        throw new KeyraError(
          'invalid_api_key',
          'Missing or invalid device session; sign in again.',
          {
            cause: claims ? 'device_inactive' : 'bad_session_token',
          },
        );
      }
      request.device = device;
    });

    /**
     * The challenge timeline's "shown on device": the first fetch of each pending challenge, in
     * one conditional write (`shown_at` still null). Only the device API pays for it, and a failed
     * write is logged, never the device's error.
     */
    const markShown = async (
      request: FastifyRequest,
      challenges: readonly ChallengeRecord[],
      now: number,
    ): Promise<void> => {
      const ids = challenges
        .filter((challenge) => challenge.status === 'pending' && challenge.shownAt === undefined)
        .map((challenge) => challenge.id);
      if (ids.length === 0) return;
      try {
        await storage.challenges.markShown(scopeOfDevice(request.device!), ids, now);
      } catch (error) {
        request.log.warn(
          { reason: (error as Error).message },
          'could not record that challenges were shown on a device',
        );
      }
    };

    // Its user's own challenges, and quorum challenges that list them and still await their vote.
    const pending = (device: DeviceRecord, now: number): Promise<ChallengeRecord[]> =>
      storage.challenges.listPendingFor(scopeOfDevice(device), device.userId, now, 50);

    session.get<{ Querystring: DeviceChallengesQuery }>(
      '/v1/device-api/challenges',
      {
        schema: {
          operationId: 'listDeviceChallenges',
          tags,
          summary: 'Pending challenges for this device’s user, with optional long-polling.',
          security: [{ bearerAuth: [] }],
          querystring: DeviceChallengesQuery,
          response: { 200: DeviceChallengeList, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const device = request.device!;
        const deadline = Date.now() + (request.query.wait ?? 0) * 1000;
        const closed = new AbortController();
        request.raw.once('close', () => closed.abort());
        // The client went away, or the server is shutting down: stop waiting.
        const stop = AbortSignal.any([closed.signal, app.closingSignal]);
        for (;;) {
          const found = await pending(device, clock.now());
          const remaining = deadline - Date.now();
          if (found.length > 0 || remaining <= 0 || stop.aborted) {
            const now = clock.now();
            await markShown(request, found, now);
            return { data: found.map((challenge) => deviceChallengeJson(challenge, now)) };
          }
          // Woken at once by a challenge created on this instance; others are found by polling.
          await notifier.wait(
            device.tenantId,
            device.environment,
            device.userId,
            Math.min(remaining, 1000),
            stop,
          );
        }
      },
    );

    session.get<{ Params: ChallengeParams }>(
      '/v1/device-api/challenges/:id',
      {
        schema: {
          operationId: 'getDeviceChallenge',
          tags,
          summary: 'One challenge of this device’s user, as the device shows it.',
          security: [{ bearerAuth: [] }],
          params: ChallengeParams,
          response: { 200: DeviceChallenge, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const device = request.device!;
        const challenge = isIdOf('challenge', request.params.id)
          ? await storage.challenges.find(scopeOfDevice(device), request.params.id)
          : null;
        if (!challenge || !challengeApprovers(challenge).includes(device.userId)) {
          throw new KeyraError(
            'challenge_not_found',
            `No challenge ${request.params.id.slice(0, 80)} for this device's user.`,
          );
        }
        const now = clock.now();
        await markShown(request, [challenge], now);
        return deviceChallengeJson(challenge, now);
      },
    );

    session.post<{ Params: ChallengeParams; Body: DeviceRespondBody }>(
      '/v1/device-api/challenges/:id/respond',
      {
        schema: {
          operationId: 'respondToDeviceChallenge',
          tags,
          summary: 'Approve or reject directly from the device (same checks as verify).',
          security: [{ bearerAuth: [] }],
          params: ChallengeParams,
          body: DeviceRespondBody,
          response: { 200: VerifiedChallenge, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const device = request.device!;
        if (!isIdOf('challenge', request.params.id)) {
          throw new KeyraError(
            'invalid_id',
            `"${request.params.id.slice(0, 80)}" is not a challenge id.`,
          );
        }
        const now = clock.now();
        const method = device.kind === 'keyra_one' ? 'device' : 'passkey';
        const { challenge, stamp } = await observeApproval(
          app.metrics,
          method,
          () =>
            verifyChallenge(
              scopeOfDevice(device),
              request.params.id,
              { deviceId: device.id, attestation: request.body.attestation },
              {
                storage,
                rp: approval.rp,
                trust: approval.trust,
                signer: approval.signer,
                stamps: approval.stamps,
                now,
              },
            ),
          (verified) => ({ method, outcome: verified.challenge.status }),
        );
        return {
          id: challenge.id,
          status: challenge.status,
          proof: challenge.proof,
          deviceId: device.id,
          method: challenge.method ?? 'device',
          decidedAt: formatTimestamp(challenge.decidedAt ?? now),
          stamp: stamp ? stampJson(stamp, approval.attester) : null,
          ...verifiedQuorumJson(challenge),
        };
      },
    );
  });
}
