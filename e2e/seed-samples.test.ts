import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// prettier-ignore
import { Keyra } from "@keyra/sdk"; // the seed's import, verbatim
import { decideChallenge, keyraApi, pairDevice, type PairedDevice } from './helpers/keyraApi.js';
import { startKeyra, waitFor, type KeyraServer, createKey } from './helpers/keyraProcess.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';
import { approveChallenge } from '@keyra/device';

/*
 * The TypeScript samples of the seed (/work/shared/seeds/000_6474955ce817860e.txt) run
 * UNCHANGED against a live `keyra serve --dev`. Each block below is copied verbatim from the
 * seed section named above it (`prettier-ignore` keeps its quotes and layout); the code around
 * it only supplies what the sample assumes: the environment variables, `challengeId`, a `req`
 * built from a real simulator approval or a real webhook delivery, an Express-like `app`.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-seed-samples-'));
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
const saved = { ...process.env };
let server: KeyraServer;
let receiver: WebhookReceiver;
let device: PairedDevice;
let apiKey: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  apiKey = await createKey(database);
  server = await startKeyra([
    '--dev',
    '--database',
    database,
    '--data-dir',
    path.join(dir, 'data'),
  ]);
  // What the seed's "Configure" table asks users to set.
  process.env.KEYRA_API_KEY = apiKey;
  process.env.KEYRA_BASE_URL = server.url;
  device = await pairDevice(keyraApi(server.url, apiKey), 'usr_8f2a');
});

afterAll(async () => {
  process.env = saved;
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the seed samples, verbatim', () => {
  it('Getting started → Initialize, and First challenge → Create challenge', async () => {
    // Seed, "Getting started / Initialize":
    // prettier-ignore
    const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });

    // Seed, "First challenge / Create challenge":
    // prettier-ignore
    const challenge = await keyra.challenges.create({
      action: "transfer.approve",
      userId: "usr_8f2a",
      payload: {
        amount: 12500,
        currency: "USD",
        memo: "Wire to Acme Corp",
      },
      expiresIn: 120, // seconds
    });

    // Returns: { id, status: "pending", expiresAt }
    expect(challenge).toEqual({
      id: expect.stringMatching(/^chl_/),
      status: 'pending',
      expiresAt: expect.any(String),
    });
  });

  it('Verify response → Verify attestation, with a real KEYRA ONE (simulator) approval', async () => {
    // prettier-ignore
    const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });
    const created = await keyra.challenges.create({
      action: 'transfer.approve',
      userId: 'usr_8f2a',
      payload: { amount: 12500, currency: 'USD' },
    });
    const challengeId = created.id;
    // The client app forwards what the device printed (`keyra-device approve --json`).
    const { digest } = await keyra.challenges.retrieve(challengeId);
    const answer = approveChallenge(device.state, { digestHex: digest, rpId: 'localhost' });
    device.state = answer.state;
    const req = { body: { deviceId: device.deviceId, attestation: answer.response } };
    let proceeded = false;

    // Seed, "Verify response / Verify attestation":
    // prettier-ignore
    const result = await keyra.challenges.verify(challengeId, {
      attestation: req.body.attestation,
      deviceId: req.body.deviceId,
    });

    // prettier-ignore
    if (result.status === "approved") {
      // Proceed with protected action
      proceeded = true;
    }

    expect(proceeded).toBe(true);
    expect(result.proof).toMatch(/^eyJ/);
  });

  it('WebAuthn → Registration flow', async () => {
    // prettier-ignore
    const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });

    // Seed, "WebAuthn / Registration flow":
    // prettier-ignore
    // Server: issue registration options
    const options = await keyra.credentials.registrationOptions({
      userId: "usr_8f2a",
      displayName: "Jane Founder",
    });

    // Client: pass options to navigator.credentials.create()
    // Server: verify attestation with keyra.credentials.verifyRegistration()
    expect(options.challenge).toEqual(expect.any(String));
    expect(options).toMatchObject({ user: { displayName: 'Jane Founder' } });
  });

  it('Webhooks → Express handler, fed a real delivery (and a tampered copy)', async () => {
    // prettier-ignore
    const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });
    const endpoint = await keyra.webhookEndpoints.create({
      url: `${receiver.origin}/webhooks/keyra`,
      events: ['challenge.approved', 'challenge.rejected'],
    });
    // The seed's "Configure": KEYRA_WEBHOOK_SECRET holds the endpoint's secret.
    process.env.KEYRA_WEBHOOK_SECRET = endpoint.secret;
    const decided = await decideChallenge(
      keyraApi(server.url, apiKey),
      device,
      'usr_8f2a',
      'approve',
    );
    await waitFor(() => receiver.received.some((r) => r.path === '/webhooks/keyra'), 10_000);
    const delivery = receiver.received.find((r) => r.path === '/webhooks/keyra')!;

    // A minimal Express: `app.post` registers, `handle` calls it with a req/res built from a delivery.
    type Req = {
      headers: Record<string, string | string[] | undefined>;
      rawBody: string;
      body: { type: string; data: { challengeId: string } };
    };
    type Res = {
      statusCode: number;
      sent: unknown;
      status(code: number): Res;
      send(body: unknown): Res;
    };
    let handler: (req: Req, res: Res) => unknown = () => undefined;
    const app = { post: (_path: string, h: (req: Req, res: Res) => unknown) => void (handler = h) };
    const fulfilled: string[] = [];
    const cancelled: string[] = [];
    const fulfillTransfer = (id: string) => fulfilled.push(id);
    const cancelPendingAction = (id: string) => cancelled.push(id);
    function handle(rawBody: string): Res {
      const res: Res = {
        statusCode: 200,
        sent: undefined,
        status(code) {
          res.statusCode = code;
          return res;
        },
        send(body) {
          res.sent = body;
          return res;
        },
      };
      handler({ headers: delivery.headers, rawBody, body: JSON.parse(rawBody) }, res);
      return res;
    }

    // Seed, "Webhooks / Express handler":
    // prettier-ignore
    app.post("/webhooks/keyra", (req, res) => {
      const sig = req.headers["keyra-signature"];
      if (!keyra.webhooks.verify(req.rawBody, sig)) {
        return res.status(401).send("Invalid signature");
      }

      switch (req.body.type) {
        case "challenge.approved":
          fulfillTransfer(req.body.data.challengeId);
          break;
        case "challenge.rejected":
          cancelPendingAction(req.body.data.challengeId);
          break;
      }

      res.status(200).send({ received: true });
    });

    const ok = handle(delivery.rawBody);
    expect(ok).toMatchObject({ statusCode: 200, sent: { received: true } });
    expect(fulfilled).toEqual([decided.challengeId]);

    const tampered = handle(
      delivery.rawBody.replace('"challenge.approved"', '"challenge.rejected"'),
    );
    expect(tampered).toMatchObject({ statusCode: 401, sent: 'Invalid signature' });
    expect(cancelled).toEqual([]);
  });
});
