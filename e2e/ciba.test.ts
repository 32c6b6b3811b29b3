import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveChallenge, rejectChallenge } from '@keyra/device';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from '../packages/storage/test/postgresTestDatabase.js';
import { keyraApi, pairDevice, type Api, type PairedDevice } from './helpers/keyraApi.js';
import { createKey, runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

/*
 * The OpenID CIBA front door as a third-party client meets it: a real `keyra serve` process, a
 * client registered with `keyra clients create`, and panva's openid-client (an independent
 * implementation of CIBA) doing discovery, bc-authorize, polling and ID-token validation. The
 * human approves on a simulated KEYRA ONE paired over the API, like every other e2e test.
 */

const DETAILS = [
  { type: 'keyra_action', action: 'payment.approve', payload: { amount: 4200, currency: 'EUR' } },
];

interface Target {
  name: string;
  skip: boolean;
  database(): Promise<{ url: string; drop(): Promise<void> }>;
}

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ciba-'));
afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

const targets: Target[] = [
  {
    name: 'SQLite',
    skip: false,
    database: async () => ({
      url: `sqlite:${path.join(sqliteDir, 'ciba.db')}`,
      drop: async () => {},
    }),
  },
  {
    name: 'PostgreSQL',
    skip: await shouldSkipPostgres(),
    database: async () => {
      const db: TestPostgresDatabase = await createTestPostgresDatabase();
      return { url: db.url, drop: () => db.drop() };
    },
  },
];

async function createClient(
  database: string,
  extra: string[] = [],
): Promise<{ clientId: string; clientSecret: string }> {
  const created = await runKeyra([
    'clients',
    'create',
    '--env',
    'sandbox',
    '--tenant',
    'ciba',
    '--name',
    'Agent',
    ...extra,
    '--database',
    database,
    '--json',
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
  return JSON.parse(created.stdout);
}

for (const target of targets) {
  describe.skipIf(target.skip)(`OpenID CIBA against keyra serve on ${target.name}`, () => {
    let db: { url: string; drop(): Promise<void> };
    let server: KeyraServer;
    let api: Api;
    let device: PairedDevice;
    let poll: { clientId: string; clientSecret: string };
    let ping: { clientId: string; clientSecret: string };
    let push: { clientId: string; clientSecret: string };
    let receiver: WebhookReceiver;
    let config: oidc.Configuration;
    /** Every token-endpoint answer openid-client received, in order. */
    const tokenAnswers: string[] = [];

    beforeAll(async () => {
      db = await target.database();
      const key = await createKey(db.url, { tenant: 'ciba' });
      poll = await createClient(db.url);
      receiver = await startWebhookReceiver();
      const notify = (mode: string) => [
        '--delivery',
        mode,
        '--notify-url',
        `${receiver.origin}/${mode}`,
        '--dev',
      ];
      ping = await createClient(db.url, notify('ping'));
      push = await createClient(db.url, notify('push'));
      server = await startKeyra(
        ['--dev', '--database', db.url, '--data-dir', path.join(sqliteDir, target.name)],
        {
          env: { KEYRA_CIBA_INTERVAL_SECONDS: '1' },
        },
      );
      api = keyraApi(server.url, key);
      device = await pairDevice(api, 'usr_alice');
      config = await oidc.discovery(
        new URL(server.url),
        poll.clientId,
        undefined,
        oidc.ClientSecretBasic(poll.clientSecret),
        { execute: [oidc.allowInsecureRequests] },
      );
      config[oidc.customFetch] = async (url, options) => {
        const response = await fetch(url, options as RequestInit);
        if (String(url).endsWith('/oauth/token'))
          tokenAnswers.push(
            ((await response.clone().json()) as { error?: string }).error ?? 'tokens',
          );
        return response;
      };
    });
    afterAll(async () => {
      await receiver?.close();
      await server?.stop();
      await db?.drop();
    });

    /** The human's side: the pending challenge of the request, answered on the simulated device. */
    async function decide(decision: 'approve' | 'reject'): Promise<{ bindingMessage?: string }> {
      const list = await api('GET', '/v1/challenges?userId=usr_alice&status=pending&limit=1');
      const challenge = list.body.data[0];
      const answer = (decision === 'approve' ? approveChallenge : rejectChallenge)(device.state, {
        digestHex: String(challenge.digest),
        rpId: 'localhost',
      });
      device.state = answer.state;
      const verified = await api('POST', `/v1/challenges/${challenge.id}/verify`, {
        deviceId: device.deviceId,
        attestation: answer.response,
      });
      expect(verified.status, JSON.stringify(verified.body)).toBe(200);
      return challenge;
    }

    it('discovery publishes the CIBA metadata', () => {
      const metadata = config.serverMetadata();
      expect(metadata).toMatchObject({
        issuer: server.url,
        backchannel_authentication_endpoint: `${server.url}/oauth/bc-authorize`,
        token_endpoint: `${server.url}/oauth/token`,
        jwks_uri: `${server.url}/.well-known/jwks.json`,
        grant_types_supported: ['urn:openid:params:grant-type:ciba'],
        backchannel_token_delivery_modes_supported: ['poll', 'ping', 'push'],
        id_token_signing_alg_values_supported: ['ES256'],
        authorization_details_types_supported: ['keyra_action'],
      });
    });

    it('poll mode with slow_down: approval yields tokens openid-client validates, once', async () => {
      tokenAnswers.length = 0;
      const started = await oidc.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'usr_alice',
        binding_message: 'Code 7F3K',
        authorization_details: JSON.stringify(DETAILS),
      });
      expect(started.interval).toBe(1);
      // A client that ignores the interval (told 0 instead of 1 s) polls twice back to back: the
      // first is authorization_pending, the second slow_down, after which openid-client adds 5 s
      // to its interval as the spec asks. No timing race decides it.
      const polling = oidc.pollBackchannelAuthenticationGrant(config, { ...started, interval: 0 });
      const waitForSlowDown = async (): Promise<void> => {
        while (!tokenAnswers.includes('slow_down')) await new Promise((r) => setTimeout(r, 50));
      };
      await waitForSlowDown();
      expect(tokenAnswers.slice(0, 2)).toEqual(['authorization_pending', 'slow_down']);
      const challenge = await decide('approve');
      expect(challenge.bindingMessage).toBe('Code 7F3K');
      const tokens = await polling;
      expect(tokenAnswers).toContain('slow_down');
      expect(tokenAnswers.at(-1)).toBe('tokens');
      // openid-client validated the ID token (signature via jwks_uri, iss, aud, exp, iat).
      const claims = tokens.claims();
      expect(claims).toMatchObject({
        iss: server.url,
        sub: 'usr_alice',
        aud: poll.clientId,
        'urn:openid:params:jwt:claim:auth_req_id': started.auth_req_id,
        amr: ['hwk', 'user'],
      });
      expect(tokens.token_type).toBe('bearer');
      expect(tokens.authorization_details).toEqual(DETAILS);
      expect(String(tokens.keyra_proof)).toMatch(/^eyJ/);

      // A replayed auth_req_id gets nothing.
      await expect(oidc.pollBackchannelAuthenticationGrant(config, started)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    });

    it('a rejection is access_denied', async () => {
      const started = await oidc.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'usr_alice',
        authorization_details: JSON.stringify(DETAILS),
      });
      const polling = oidc.pollBackchannelAuthenticationGrant(config, started);
      await decide('reject');
      await expect(polling).rejects.toMatchObject({ error: 'access_denied' });
    });

    it('expiry is expired_token', async () => {
      const started = await oidc.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'usr_nobody',
        requested_expiry: '10',
        authorization_details: JSON.stringify(DETAILS),
      });
      expect(started.expires_in).toBe(10);
      // openid-client stops polling by itself at expires_in, so it may hear expired_token or
      // time out first; a token request after that hears the server's answer either way.
      const polled = await oidc
        .pollBackchannelAuthenticationGrant(config, started)
        .catch((error: unknown) => error as { error?: string; message: string });
      if ((polled as { error?: string }).error !== 'expired_token')
        expect((polled as Error).message).toMatch(/timed out/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await expect(
        oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: started.auth_req_id,
        }),
      ).rejects.toMatchObject({ error: 'expired_token', status: 400 });
    }, 30_000);

    it('a bad client secret is invalid_client', async () => {
      const wrong = await oidc.discovery(
        new URL(server.url),
        poll.clientId,
        undefined,
        oidc.ClientSecretPost(`${poll.clientSecret}x`),
        { execute: [oidc.allowInsecureRequests] },
      );
      await expect(
        oidc.initiateBackchannelAuthentication(wrong, {
          scope: 'openid',
          login_hint: 'usr_alice',
          authorization_details: JSON.stringify(DETAILS),
        }),
      ).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    });

    const discover = (client: { clientId: string; clientSecret: string }) =>
      oidc.discovery(
        new URL(server.url),
        client.clientId,
        undefined,
        oidc.ClientSecretBasic(client.clientSecret),
        {
          execute: [oidc.allowInsecureRequests],
        },
      );

    /** Waits for the notification of `authReqId` on `path`: its Bearer token and JSON body. */
    async function notification(path: string, authReqId: string) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const found = receiver.received.find(
          (r) => r.path === path && JSON.parse(r.rawBody).auth_req_id === authReqId,
        );
        if (found)
          return { authorization: found.headers.authorization, body: JSON.parse(found.rawBody) };
        if (Date.now() > deadline) throw new Error(`no ${path} notification for ${authReqId}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    it('ping mode: the client is pinged with its token, then collects the tokens once', async () => {
      const config = await discover(ping);
      const started = await oidc.initiateBackchannelAuthentication(config, {
        scope: 'openid',
        login_hint: 'usr_alice',
        client_notification_token: 'ping-token-1',
        authorization_details: JSON.stringify(DETAILS),
      });
      await decide('approve');
      const pinged = await notification('/ping', started.auth_req_id);
      expect(pinged).toEqual({
        authorization: 'Bearer ping-token-1',
        body: { auth_req_id: started.auth_req_id },
      });
      const tokens = await oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
        auth_req_id: started.auth_req_id,
      });
      expect(tokens.claims()).toMatchObject({ sub: 'usr_alice', aud: ping.clientId });
      await expect(
        oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: started.auth_req_id,
        }),
      ).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('push mode: the tokens (or the refusal) are pushed; the ID token verifies with the JWKS', async () => {
      const config = await discover(push);
      const start = () =>
        oidc.initiateBackchannelAuthentication(config, {
          scope: 'openid',
          login_hint: 'usr_alice',
          client_notification_token: 'push-token-2',
          authorization_details: JSON.stringify(DETAILS),
        });
      const rejected = await start();
      await decide('reject');
      expect(await notification('/push', rejected.auth_req_id)).toEqual({
        authorization: 'Bearer push-token-2',
        body: {
          auth_req_id: rejected.auth_req_id,
          error: 'access_denied',
          error_description: 'The human rejected the request.',
        },
      });

      const approved = await start();
      await decide('approve');
      const pushed = await notification('/push', approved.auth_req_id);
      expect(pushed.authorization).toBe('Bearer push-token-2');
      expect(pushed.body).toMatchObject({
        token_type: 'Bearer',
        authorization_details: DETAILS,
        keyra_proof: expect.stringMatching(/^eyJ/),
      });
      const { payload } = await jwtVerify(
        pushed.body.id_token,
        createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string)),
        { issuer: server.url, audience: push.clientId },
      );
      expect(payload['urn:openid:params:jwt:claim:auth_req_id']).toBe(approved.auth_req_id);
      // A push client does not poll.
      await expect(
        oidc.genericGrantRequest(config, 'urn:openid:params:grant-type:ciba', {
          auth_req_id: approved.auth_req_id,
        }),
      ).rejects.toMatchObject({ error: 'unauthorized_client' });
    });

    it('never logs client secrets or auth_req_ids', () => {
      const logs = server.stdout() + server.stderr();
      expect(logs).toContain('/oauth/token');
      for (const client of [poll, ping, push]) expect(logs).not.toContain(client.clientSecret);
      expect(logs).not.toContain('push-token-2');
      expect(logs).not.toMatch(/auth_req_id=/);
    });
  });
}

describe.skipIf(await shouldSkipPostgres())(
  'OpenID CIBA: two keyra serve processes on one PostgreSQL database',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ciba-cluster-'));
    let database: TestPostgresDatabase;
    let servers: KeyraServer[] = [];
    afterAll(async () => {
      await Promise.all(servers.map((server) => server.stop()));
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('one approval yields tokens exactly once across instances', async () => {
      database = await createTestPostgresDatabase();
      const key = await createKey(database.url, { tenant: 'ciba' });
      const client = await createClient(database.url);
      // Instances of a cluster share the server secret (docs/configuration.md).
      const env = {
        KEYRA_SECRET: randomBytes(32).toString('hex'),
        KEYRA_CIBA_INTERVAL_SECONDS: '1',
      };
      servers = await Promise.all(
        ['a', 'b'].map((name) =>
          startKeyra(['--database', database.url, '--data-dir', path.join(dir, name)], { env }),
        ),
      );
      const [a, b] = servers as [KeyraServer, KeyraServer];
      const api = keyraApi(a.url, key);
      const device = await pairDevice(api, 'usr_alice');
      const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
      const form = (server: KeyraServer, route: string, params: Record<string, string>) =>
        fetch(`${server.url}${route}`, {
          method: 'POST',
          headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params),
        }).then(async (res) => ({
          status: res.status,
          body: (await res.json()) as Record<string, string>,
        }));
      const started = await form(a, '/oauth/bc-authorize', {
        scope: 'openid',
        login_hint: 'usr_alice',
        authorization_details: JSON.stringify(DETAILS),
      });
      expect(started.status).toBe(200);
      const list = await api('GET', '/v1/challenges?userId=usr_alice&limit=1');
      const challenge = list.body.data[0];
      const answer = approveChallenge(device.state, {
        digestHex: String(challenge.digest),
        rpId: 'localhost',
      });
      const verified = await api('POST', `/v1/challenges/${challenge.id}/verify`, {
        deviceId: device.deviceId,
        attestation: answer.response,
      });
      expect(verified.status).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          form(i % 2 ? b : a, '/oauth/token', {
            grant_type: 'urn:openid:params:grant-type:ciba',
            auth_req_id: String(started.body.auth_req_id),
          }),
        ),
      );
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      expect(
        answers.filter((r) => r.status === 400 && r.body.error === 'invalid_grant'),
      ).toHaveLength(15);
    }, 120_000);
  },
);
