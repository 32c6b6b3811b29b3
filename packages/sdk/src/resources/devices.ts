import type { RequestOptions, Transport } from '../client.js';
import type { Device, DeviceList, ListDevicesParams, UpdateDeviceParams } from '../types.js';
import { enc } from './challenges.js';

/** Paired KEYRA ONE devices and passkeys (`/v1/devices`). */
export class Devices {
  constructor(private readonly transport: Transport) {}

  list(params: ListDevicesParams = {}, options?: RequestOptions): Promise<DeviceList> {
    return this.transport.request({ method: 'GET', path: '/v1/devices', query: params, options });
  }

  retrieve(id: string, options?: RequestOptions): Promise<Device> {
    return this.transport.request({ method: 'GET', path: `/v1/devices/${enc(id)}`, options });
  }

  /** Renames a device. */
  update(id: string, params: UpdateDeviceParams, options?: RequestOptions): Promise<Device> {
    return this.transport.request({
      method: 'PATCH',
      path: `/v1/devices/${enc(id)}`,
      body: params,
      options,
    });
  }

  /** Revokes a device for good (emits `device.revoked`). */
  revoke(id: string, options?: RequestOptions): Promise<Device> {
    return this.transport.request({ method: 'DELETE', path: `/v1/devices/${enc(id)}`, options });
  }
}
