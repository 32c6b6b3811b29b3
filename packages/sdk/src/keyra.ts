import { Transport, type KeyraOptions } from './client.js';
import { Proofs } from './proofs.js';
import { Challenges } from './resources/challenges.js';
import { Credentials } from './resources/credentials.js';
import { Devices } from './resources/devices.js';
import { Events } from './resources/events.js';
import { Voice } from './resources/voice.js';
import { WebhookEndpoints } from './resources/webhookEndpoints.js';
import { Webhooks } from './webhooks.js';

/**
 * The KEYRA client.
 *
 * ```ts
 * const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });
 * const challenge = await keyra.challenges.create({ action: 'transfer.approve', userId: 'usr_8f2a' });
 * ```
 *
 * Every option falls back to the environment (`KEYRA_API_KEY`, `KEYRA_BASE_URL`,
 * `KEYRA_WEBHOOK_SECRET`). Calls retry network errors, 429 and 5xx (honouring `Retry-After`)
 * and throw `KeyraError` subclasses.
 */
export class Keyra {
  readonly challenges: Challenges;
  readonly credentials: Credentials;
  readonly devices: Devices;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly events: Events;
  readonly webhooks: Webhooks;
  readonly voice: Voice;
  readonly proofs: Proofs;
  /** The server address in use. */
  readonly baseUrl: string;

  constructor(options: KeyraOptions = {}) {
    const transport = new Transport(options);
    this.baseUrl = transport.baseUrl;
    this.challenges = new Challenges(transport);
    this.credentials = new Credentials(transport);
    this.devices = new Devices(transport);
    this.webhookEndpoints = new WebhookEndpoints(transport);
    this.events = new Events(transport);
    this.webhooks = new Webhooks(transport.webhookSecret);
    this.voice = new Voice(transport);
    this.proofs = new Proofs(transport);
  }
}
