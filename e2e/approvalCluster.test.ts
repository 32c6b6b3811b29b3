import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
} from '@keyra/device';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from '../packages/storage/test/postgresTestDatabase.js';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

describe.skipIf(await shouldSkipPostgres())(
  'human approval on a two-instance PostgreSQL cluster',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-cluster-'));
    // Every instance of a cluster shares the server secret (it seals the signing keys and simulator CA).
    const env = { KEYRA_SECRET: randomBytes(32).toString('hex') };
    let database: TestPostgresDatabase;
    let a: KeyraServer;
    let b: KeyraServer;
    let key: string;

    beforeAll(async () => {
      database = await createTestPostgresDatabase();
      const created = await runKeyra([
        'keys',
        'create',
        '--env',
        'sandbox',
        '--tenant',
        'c',
        '--database',
        database.url,
        '--json',
      ]);
      key = JSON.parse(created.stdout).key;
      [a, b] = await Promise.all([
        startKeyra(['--database', database.url, '--data-dir', path.join(dir, 'a')], { env }),
        startKeyra(['--database', database.url, '--data-dir', path.join(dir, 'b')], { env }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const call = async (
      server: KeyraServer,
      method: string,
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`${server.url}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('pairs on one instance, approves on the other, and exactly one of racing verifies wins', async () => {
      let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
      const cert = await call(a, 'POST', '/v1/simulator/attestation-certificates', {
        publicKey: getAttestationPublicKey(state),
        aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      });
      state = provisionAttestationCertificate(state, cert.body.certificateChain as string[]);
      const options = await call(a, 'POST', '/v1/credentials/register', {
        userId: 'usr_1',
        displayName: 'One',
      });
      const made = makeCredential(state, options.body as never, { origin: KEYRA_ONE_ORIGIN });
      // Registration finishes on the other instance: the ceremony and the CA are shared.
      const paired = await call(b, 'POST', '/v1/credentials/register/verify', {
        userId: 'usr_1',
        response: made.response,
      });
      expect(paired.status, JSON.stringify(paired.body)).toBe(201);

      const challenge = await call(a, 'POST', '/v1/challenges', {
        action: 'wire.send',
        userId: 'usr_1',
        payload: { amount: 5 },
        stamp: true,
      });
      const full = await call(b, 'GET', `/v1/challenges/${String(challenge.body.id)}`);
      const signed = approveChallenge(made.state, {
        digestHex: String(full.body.digest),
        rpId: 'localhost',
      });
      const body = { deviceId: paired.body.deviceId, attestation: signed.response };
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(i % 2 ? b : a, 'POST', `/v1/challenges/${String(challenge.body.id)}/verify`, body),
        ),
      );
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((r) => r.status !== 200))
        expect(r.body.code).toBe('challenge_already_used');

      // Either instance's JWKS verifies the proof.
      for (const server of [a, b]) {
        const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
        const { payload } = await jwtVerify(String(winners[0]!.body.proof), jwks);
        expect(payload).toMatchObject({
          challengeId: challenge.body.id,
          method: 'device',
          sub: 'usr_1',
        });
      }

      // One stamp, readable (publicly) from either instance.
      const stamp = winners[0]!.body.stamp as { stamp_id: string };
      expect(stamp.stamp_id).toMatch(/^stp_/);
      for (const server of [a, b]) {
        const res = await fetch(`${server.url}/v1/stamps/${stamp.stamp_id}`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(stamp);
      }

      // Metered exactly once, whichever instance answered, and whatever the losers did.
      const usage = async (server: KeyraServer) =>
        (await call(server, 'GET', '/v1/usage')).body as {
          totals: { verifications: number; byMethod: { device: number } };
          credits: { used: number };
        };
      for (const server of [a, b]) {
        expect((await usage(server)).totals).toMatchObject({
          verifications: 1,
          byMethod: { device: 1 },
        });
      }

      // An idempotent retry on the other instance replays the answer and meters nothing.
      const second = await call(a, 'POST', '/v1/challenges', {
        action: 'wire.send',
        userId: 'usr_1',
        payload: { amount: 6 },
      });
      const secondFull = await call(a, 'GET', `/v1/challenges/${String(second.body.id)}`);
      const secondSigned = approveChallenge(signed.state, {
        digestHex: String(secondFull.body.digest),
        rpId: 'localhost',
      });
      const secondBody = { deviceId: paired.body.deviceId, attestation: secondSigned.response };
      const headers = { 'idempotency-key': 'verify-second-once' };
      const url = `/v1/challenges/${String(second.body.id)}/verify`;
      const [first, replayed] = [
        await call(a, 'POST', url, secondBody, headers),
        await call(b, 'POST', url, secondBody, headers),
      ];
      expect(first.status).toBe(200);
      expect(replayed).toEqual(first);
      expect(first.body.stamp).toBeNull();
      const after = await usage(b);
      expect(after.totals.verifications).toBe(2);
      expect(after.credits.used).toBe(2);
    });
  },
);
