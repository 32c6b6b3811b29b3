import {
  finishAuthentication,
  finishRegistration,
  startAuthentication,
  startRegistration,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  AuthenticationOptions,
  AuthenticationOptionsBody,
  Device,
  RegistrationOptions,
  RegistrationOptionsBody,
  VerifiedAuthentication,
  VerifyAuthenticationBody,
  VerifyRegistrationBody,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import { deviceJson } from '../devices/deviceJson.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';

export interface CredentialRoutesOptions {
  storage: Storage;
  clock: Clock;
  approval: ApprovalServices;
}

/** The WebAuthn ceremonies: pairing a KEYRA ONE or registering a passkey, and authentication. */
export async function credentialRoutes(
  app: FastifyInstance,
  options: CredentialRoutesOptions,
): Promise<void> {
  const { storage, clock, approval } = options;
  const tags = ['Credentials'];

  app.post<{ Body: RegistrationOptionsBody }>(
    '/v1/credentials/register',
    {
      schema: {
        operationId: 'startRegistration',
        tags,
        summary: 'Begin WebAuthn / passkey registration (or KEYRA ONE pairing).',
        description:
          'Returns creation options (JSON form) for `navigator.credentials.create()` or the KEYRA ONE; user verification is required.',
        body: RegistrationOptionsBody,
        response: { 200: RegistrationOptions, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      startRegistration(storage, approval.rp, scopeOf(request), request.body, clock.now()),
  );

  app.post<{ Body: VerifyRegistrationBody }>(
    '/v1/credentials/register/verify',
    {
      schema: {
        operationId: 'finishRegistration',
        tags,
        summary: 'Finish registration: verify the attestation and pair the device.',
        description:
          'Checks the browser’s `credential.toJSON()`. A response from the KEYRA ONE origin must chain to a trusted KEYRA ONE root; other allowed origins register a passkey. Emits `device.paired`.',
        body: VerifyRegistrationBody,
        response: { 201: Device, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const device = await finishRegistration(
        storage,
        approval.rp,
        approval.trust,
        scopeOf(request),
        {
          userId: request.body.userId,
          response: request.body.response,
          ...(request.body.name ? { name: request.body.name } : {}),
        },
        clock.now(),
      );
      return reply.status(201).send(deviceJson(device));
    },
  );

  app.post<{ Body: AuthenticationOptionsBody }>(
    '/v1/credentials/authenticate',
    {
      schema: {
        operationId: 'startAuthentication',
        tags,
        summary: 'Begin a WebAuthn authentication ceremony.',
        description:
          'Request options for the user’s devices. With `challengeId`, the options’ challenge is the KEYRA challenge digest and the assertion is the `attestation` for `POST /v1/challenges/:id/verify`.',
        body: AuthenticationOptionsBody,
        response: { 200: AuthenticationOptions, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      startAuthentication(storage, approval.rp, scopeOf(request), request.body, clock.now()),
  );

  app.post<{ Body: VerifyAuthenticationBody }>(
    '/v1/credentials/authenticate/verify',
    {
      schema: {
        operationId: 'finishAuthentication',
        tags,
        summary: 'Finish a sign-in ceremony started without a challenge id.',
        body: VerifyAuthenticationBody,
        response: { 200: VerifiedAuthentication, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const device = await finishAuthentication(
        storage,
        approval.rp,
        approval.trust,
        scopeOf(request),
        request.body,
        clock.now(),
      );
      return { verified: true as const, userId: device.userId, deviceId: device.id };
    },
  );
}
