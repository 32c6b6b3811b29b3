import { Transport, type KeyraOptions } from './client.js';
import { JwksCache } from './internal/jwks.js';
import { Proofs } from './proofs.js';
import { Challenges } from './resources/challenges.js';
import { Credentials } from './resources/credentials.js';
import { DeviceApi } from './resources/deviceApi.js';
import { Devices } from './resources/devices.js';
import { Events } from './resources/events.js';
import { Audit } from './resources/audit.js';
import { ApproverGroups, Policies } from './resources/policies.js';
import { Simulator } from './resources/simulator.js';
import { Usage } from './resources/usage.js';
import { Voice } from './resources/voice.js';
import { WebhookEndpoints } from './resources/webhookEndpoints.js';
import { Stamps } from './stamps.js';
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
  /** What a KEYRA ONE calls, with a device session token instead of the API key. */
  readonly deviceApi: DeviceApi;
  /** Sandbox only: certifies the device simulator's attestation key. */
  readonly simulator: Simulator;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly events: Events;
  /** The tamper-evident audit log and its signed checkpoints. */
  readonly audit: Audit;
  /** Approval policies (versioned) and the approver groups they name. */
  readonly policies: Policies;
  readonly approverGroups: ApproverGroups;
  readonly webhooks: Webhooks;
  readonly voice: Voice;
  readonly proofs: Proofs;
  readonly stamps: Stamps;
  readonly usage: Usage;
  /** The server address in use. */
  readonly baseUrl: string;

  constructor(options: KeyraOptions = {}) {
    const transport = new Transport(options);
    this.baseUrl = transport.baseUrl;
    this.challenges = new Challenges(transport);
    this.credentials = new Credentials(transport);
    this.devices = new Devices(transport);
    this.deviceApi = new DeviceApi(transport);
    this.simulator = new Simulator(transport);
    this.webhookEndpoints = new WebhookEndpoints(transport);
    this.events = new Events(transport);
    this.audit = new Audit(transport);
    this.policies = new Policies(transport);
    this.approverGroups = new ApproverGroups(transport);
    this.webhooks = new Webhooks(transport.webhookSecret);
    this.voice = new Voice(transport);
    // Proofs and stamps are signed with the same keys: one JWKS cache serves both.
    const keys = new JwksCache(transport);
    this.proofs = new Proofs(keys);
    this.stamps = new Stamps(transport, keys);
    this.usage = new Usage(transport);
  }
}
