import type { RequestOptions, Transport } from '../client.js';
import type {
  CreateWebhookEndpointParams,
  KeyraEvent,
  ListAttemptsParams,
  UpdateWebhookEndpointParams,
  WebhookAttemptList,
  WebhookEndpoint,
  WebhookEndpointList,
} from '../types.js';
import { enc } from './challenges.js';

/** Where KEYRA POSTs events (`/v1/webhook_endpoints`). */
export class WebhookEndpoints {
  constructor(private readonly transport: Transport) {}

  /** Creates an endpoint; the answer holds its `secret` (`whsec_…`), shown only this once. */
  create(params: CreateWebhookEndpointParams, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/webhook_endpoints',
      body: params,
      options,
    });
  }

  list(options?: RequestOptions): Promise<WebhookEndpointList> {
    return this.transport.request({ method: 'GET', path: '/v1/webhook_endpoints', options });
  }

  retrieve(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/webhook_endpoints/${enc(id)}`,
      options,
    });
  }

  /** Updates an endpoint; `enabled: true` also clears a failure state. */
  update(
    id: string,
    params: UpdateWebhookEndpointParams,
    options?: RequestOptions,
  ): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'PATCH',
      path: `/v1/webhook_endpoints/${enc(id)}`,
      body: params,
      options,
    });
  }

  /** Deletes an endpoint; deliveries still pending to it are dropped. */
  del(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'DELETE',
      path: `/v1/webhook_endpoints/${enc(id)}`,
      options,
    });
  }

  /** A new secret (shown once); the old one keeps signing alongside it for 24 h. */
  rotateSecret(id: string, options?: RequestOptions): Promise<WebhookEndpoint> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/webhook_endpoints/${enc(id)}/rotate_secret`,
      body: {},
      options,
    });
  }

  /**
   * Sends a signed `ping` event to this endpoint only (queued like any event, same retries): the
   * quickest check that your receiver verifies signatures and answers 2xx. See `deliveries(id)`.
   */
  sendTestEvent(id: string, options?: RequestOptions): Promise<KeyraEvent> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/webhook_endpoints/${enc(id)}/test`,
      options,
    });
  }

  /** The delivery log: one row per HTTP attempt, newest first. */
  deliveries(
    id: string,
    params: ListAttemptsParams = {},
    options?: RequestOptions,
  ): Promise<WebhookAttemptList> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/webhook_endpoints/${enc(id)}/deliveries`,
      query: params,
      options,
    });
  }
}
