import {
  isIdOf,
  KeyraError,
  renameDevice,
  revokeDevice,
  type Clock,
  type Storage,
} from '@keyra/core';
import {
  Device,
  DeviceList,
  DeviceParams,
  ListDevicesQuery,
  SimulatorCertificate,
  SimulatorCertificateBody,
  UpdateDeviceBody,
} from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import type { ApprovalServices } from '../../approval/loadApprovalServices.js';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';
import { deviceJson } from './deviceJson.js';

export interface DeviceRoutesOptions {
  storage: Storage;
  clock: Clock;
  approval: ApprovalServices;
}

function checkId(id: string): void {
  if (!isIdOf('device', id))
    throw new KeyraError(
      'invalid_id',
      `"${id.slice(0, 80)}" is not a device id; device ids look like dev_…`,
    );
}

/** List, inspect, rename and revoke paired devices and passkeys; simulator provisioning (sandbox). */
export async function deviceRoutes(
  app: FastifyInstance,
  options: DeviceRoutesOptions,
): Promise<void> {
  const { storage, clock, approval } = options;
  const tags = ['Devices'];

  app.get<{ Querystring: ListDevicesQuery }>(
    '/v1/devices',
    {
      schema: {
        operationId: 'listDevices',
        tags,
        summary: 'List paired devices and passkeys, newest first.',
        querystring: ListDevicesQuery,
        response: { 200: DeviceList, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const devices = await storage.devices.list(scopeOf(request), {
        ...(request.query.userId ? { userId: request.query.userId } : {}),
        includeRevoked: request.query.includeRevoked ?? false,
      });
      return { data: devices.map(deviceJson) };
    },
  );

  app.get<{ Params: DeviceParams }>(
    '/v1/devices/:id',
    {
      schema: {
        operationId: 'getDevice',
        tags,
        summary: 'Retrieve a device.',
        params: DeviceParams,
        response: { 200: Device, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkId(request.params.id);
      const device = await storage.devices.find(scopeOf(request), request.params.id);
      if (!device)
        throw new KeyraError(
          'device_not_found',
          `No device ${request.params.id} in this environment.`,
        );
      return deviceJson(device);
    },
  );

  app.patch<{ Params: DeviceParams; Body: UpdateDeviceBody }>(
    '/v1/devices/:id',
    {
      schema: {
        operationId: 'updateDevice',
        tags,
        summary: 'Rename a device.',
        params: DeviceParams,
        body: UpdateDeviceBody,
        response: { 200: Device, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkId(request.params.id);
      const device = await renameDevice(scopeOf(request), request.params.id, request.body, {
        store: storage.devices,
      });
      return deviceJson(device);
    },
  );

  app.delete<{ Params: DeviceParams }>(
    '/v1/devices/:id',
    {
      schema: {
        operationId: 'revokeDevice',
        tags,
        summary: 'Revoke a device: it can never approve again. Emits `device.revoked`.',
        params: DeviceParams,
        response: { 200: Device, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      checkId(request.params.id);
      const revoked = await revokeDevice(scopeOf(request), request.params.id, {
        storage,
        now: clock.now(),
      });
      return deviceJson(revoked);
    },
  );

  app.post<{ Body: SimulatorCertificateBody }>(
    '/v1/simulator/attestation-certificates',
    {
      schema: {
        operationId: 'issueSimulatorCertificate',
        tags,
        summary:
          'Sandbox only: certify a KEYRA ONE simulator’s attestation key with the simulator root.',
        description:
          'The factory step for simulated devices: the simulator sends its attestation public key and receives a certificate chaining to the simulator root, which only sandbox trusts. Production keys get 403.',
        body: SimulatorCertificateBody,
        response: { 201: SimulatorCertificate, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      if (scopeOf(request).environment !== 'sandbox') {
        throw new KeyraError(
          'forbidden_environment',
          'Simulator certificates are issued in sandbox only; production trusts real KEYRA ONE roots.',
        );
      }
      let certificate: string;
      try {
        certificate = await approval.simulator.issueSimulatorCertificate(
          request.body.publicKey,
          request.body.aaguid,
          clock.now(),
        );
      } catch (error) {
        throw new KeyraError(
          'validation_failed',
          'publicKey must be a P-256 public key in SPKI PEM form.',
          {
            details: [{ field: 'publicKey', issue: 'invalid_key' }],
            cause: error,
          },
        );
      }
      return reply
        .status(201)
        .send({ certificateChain: [certificate, approval.simulator.simulatorRootPem] });
    },
  );
}
