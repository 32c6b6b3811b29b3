import type { RequestOptions, Transport } from '../client.js';
import type {
  EventList,
  KeyraEvent,
  ListAttemptsParams,
  ListEventsParams,
  RedeliverParams,
  Redelivery,
  WebhookAttemptList,
} from '../types.js';
import { enc } from './challenges.js';

/** Events, newest first (`/v1/events`): the same objects webhooks deliver. */
export class Events {
  constructor(private readonly transport: Transport) {}

  list(params: ListEventsParams = {}, options?: RequestOptions): Promise<EventList> {
    return this.transport.request({ method: 'GET', path: '/v1/events', query: params, options });
  }

  retrieve(id: string, options?: RequestOptions): Promise<KeyraEvent> {
    return this.transport.request({ method: 'GET', path: `/v1/events/${enc(id)}`, options });
  }

  /** Every attempt to deliver this event, to any endpoint, newest first. */
  deliveries(
    id: string,
    params: ListAttemptsParams = {},
    options?: RequestOptions,
  ): Promise<WebhookAttemptList> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/events/${enc(id)}/deliveries`,
      query: params,
      options,
    });
  }

  /** Sends an event again, to every subscribed endpoint or to `endpointId`. */
  redeliver(
    id: string,
    params: RedeliverParams = {},
    options?: RequestOptions,
  ): Promise<Redelivery> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/events/${enc(id)}/redeliver`,
      body: params,
      options,
    });
  }
}
