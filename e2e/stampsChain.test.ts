import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock, type Scope, type StampRecord } from '@keyra/core';
import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
} from '@keyra/device';
import { migrateToLatest, openStorage, type DatabaseStorage } from '@keyra/storage';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../packages/server/src/config.js';
import { loadEasAttester } from '../packages/server/src/stamps/createEasAttester.js';
import { startChainMirror } from '../packages/server/src/stamps/startChainMirror.js';
import {
  DEV_KEYS,
  easSdk,
  ethers,
  startLocalChain,
  type LocalChain,
} from './helpers/localChain.js';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

// On-chain stamp mirroring against a real local EVM chain (Hardhat 2's node, from npm) with the EAS
// and SchemaRegistry contracts deployed from the compiled artifacts in eas-contracts.

let chain: LocalChain;
let contracts: { registry: string; eas: string; version: string };
let schemaUid: string;
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-stamps-chain-'));
const signer = new ethers.Wallet(DEV_KEYS[1]);

beforeAll(async () => {
  chain = await startLocalChain();
  contracts = await chain.deployEas();
}, 60_000);
afterAll(async () => {
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads an attestation back from the EAS contract on the chain. */
async function onChain(uid: string) {
  const eas = new easSdk.EAS(contracts.eas);
  eas.connect(chain.provider as never);
  const attestation = await eas.getAttestation(uid);
  const fields = new easSdk.SchemaEncoder('bytes32 proofHash, uint64 issuedAt, string method')
    .decodeData(attestation.data)
    .map((d) => [d.name, String(d.value.value)]);
  return {
    attestation,
    fields: Object.fromEntries(fields),
    valid: await eas.isAttestationValid(uid),
  };
}

describe('keyra eas', () => {
  it('registers the stamp schema once per chain and prints its UID', async () => {
    const printed = JSON.parse((await runKeyra(['eas', 'schema', '--json'])).stdout);
    expect(printed).toMatchObject({
      schema: 'bytes32 proofHash, uint64 issuedAt, string method',
      revocable: true,
      uid: expect.stringMatching(/^0x[0-9a-f]{64}$/),
    });
    const env = { KEYRA_EAS_SIGNER_KEY: DEV_KEYS[0] };
    const args = [
      'eas',
      'register-schema',
      '--rpc',
      chain.url,
      '--registry',
      contracts.registry,
      '--json',
    ];
    const first = await runKeyra(args, { env });
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ uid: printed.uid, alreadyRegistered: false });
    const second = await runKeyra(args, { env });
    expect(JSON.parse(second.stdout)).toMatchObject({ uid: printed.uid, alreadyRegistered: true });
    schemaUid = printed.uid;

    const noKey = await runKeyra(args, { env: { KEYRA_EAS_SIGNER_KEY: '' } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/Set KEYRA_EAS_SIGNER_KEY/);
  }, 60_000);
});

describe('a server mirroring stamps on chain', () => {
  let server: KeyraServer;
  const database = `sqlite:${path.join(dir, 'server.db')}`;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    for (const tenant of ['paying', 'pilot']) {
      const created = await runKeyra([
        'keys',
        'create',
        '--env',
        'sandbox',
        '--tenant',
        tenant,
        '--database',
        database,
        '--json',
      ]);
      keys[tenant] = JSON.parse(created.stdout).key;
    }
    const plan = await runKeyra([
      'tenants',
      'plan',
      'paying',
      'production',
      '--database',
      database,
    ]);
    expect(plan.stdout).toContain('is now on the production plan');
    server = await startKeyra(['--database', database, '--data-dir', path.join(dir, 'data')], {
      env: {
        KEYRA_EAS_RPC_URL: chain.url,
        KEYRA_EAS_CHAIN_ID: String(chain.chainId),
        KEYRA_EAS_CONTRACT: contracts.eas,
        KEYRA_EAS_VERSION: contracts.version,
        KEYRA_EAS_SCHEMA_UID: schemaUid,
        KEYRA_EAS_SIGNER_KEY: DEV_KEYS[1],
        // Simulated KEYRA ONEs pair in sandbox only; mirror sandbox stamps for this test chain.
        KEYRA_EAS_MIRROR_SANDBOX: 'true',
      },
    });
  }, 60_000);
  afterAll(async () => server?.stop());

  const call = async (key: string, method: string, url: string, body?: unknown) => {
    const res = await fetch(`${server.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await res.json()) as Record<string, unknown> & { code?: string };
  };

  async function stampedApproval(key: string) {
    let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
    const cert = await call(key, 'POST', '/v1/simulator/attestation-certificates', {
      publicKey: getAttestationPublicKey(state),
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    });
    state = provisionAttestationCertificate(state, cert.certificateChain as string[]);
    const options = await call(key, 'POST', '/v1/credentials/register', {
      userId: 'usr_1',
      displayName: 'One',
    });
    const made = makeCredential(state, options as never, { origin: KEYRA_ONE_ORIGIN });
    const paired = await call(key, 'POST', '/v1/credentials/register/verify', {
      userId: 'usr_1',
      response: made.response,
    });
    const challenge = await call(key, 'POST', '/v1/challenges', {
      action: 'wire.send',
      userId: 'usr_1',
      payload: { amount: 5 },
      stamp: true,
    });
    const full = await call(key, 'GET', `/v1/challenges/${String(challenge.id)}`);
    const signed = approveChallenge(made.state, {
      digestHex: String(full.digest),
      rpId: 'localhost',
    });
    const verified = await call(key, 'POST', `/v1/challenges/${String(challenge.id)}/verify`, {
      deviceId: paired.deviceId,
      attestation: signed.response,
    });
    expect(verified.status, JSON.stringify(verified)).toBe('approved');
    return verified.stamp as {
      stamp_id: string;
      proof_sha256: string;
      issued_at: string;
      eas: { onchain: Record<string, unknown> | null };
    };
  }

  it('queues, submits and confirms the attestation, readable back from the EAS contract', async () => {
    const stamp = await stampedApproval(keys.paying!);
    expect(stamp.eas.onchain).toMatchObject({ status: 'pending', chain_id: 31337, uid: null });

    let current: typeof stamp & { eas: { onchain: Record<string, unknown> } };
    const deadline = Date.now() + 30_000;
    do {
      await new Promise((r) => setTimeout(r, 250));
      current = (await (
        await fetch(`${server.url}/v1/stamps/${stamp.stamp_id}`)
      ).json()) as typeof current;
    } while (current.eas.onchain.status === 'pending' && Date.now() < deadline);
    expect(current.eas.onchain, server.stdout()).toMatchObject({
      status: 'confirmed',
      chain_id: 31337,
      tx_hash: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      uid: expect.stringMatching(/^0x[0-9a-f]{64}$/),
      attempts: 1,
      last_error: null,
    });

    const back = await onChain(String(current.eas.onchain.uid));
    expect(back.valid).toBe(true);
    expect(back.attestation.schema).toBe(schemaUid);
    expect(back.attestation.attester).toBe(signer.address);
    expect(back.attestation.revocable).toBe(true);
    expect(back.fields).toEqual({
      proofHash: `0x${stamp.proof_sha256}`,
      issuedAt: String(Date.parse(stamp.issued_at) / 1000),
      method: 'device',
    });
    const receipt = await chain.provider.getTransactionReceipt(String(current.eas.onchain.tx_hash));
    expect(receipt?.status).toBe(1);

    const events = (await call(keys.paying!, 'GET', '/v1/events?limit=50')).data as {
      type: string;
      data: Record<string, unknown>;
    }[];
    expect(events.find((e) => e.type === 'stamp.mirrored')?.data).toMatchObject({
      stampId: stamp.stamp_id,
      uid: current.eas.onchain.uid,
      txHash: current.eas.onchain.tx_hash,
    });
  }, 60_000);

  it('does not mirror stamps of a tenant on the pilot plan', async () => {
    const stamp = await stampedApproval(keys.pilot!);
    expect(stamp.eas.onchain).toBeNull();
  }, 30_000);
});

describe('the mirror worker', () => {
  let storage: DatabaseStorage;
  const scope: Scope = { tenantId: 'ten_mirror', environment: 'production' };
  const log = pino({ level: 'silent' });
  const easEnv = () => ({
    KEYRA_EAS_RPC_URL: chain.url,
    KEYRA_EAS_CHAIN_ID: '31337',
    KEYRA_EAS_CONTRACT: contracts.eas,
    KEYRA_EAS_VERSION: contracts.version,
    KEYRA_EAS_SCHEMA_UID: schemaUid,
    KEYRA_EAS_SIGNER_KEY: DEV_KEYS[0],
  });
  const secret = Buffer.alloc(32, 7);

  beforeAll(async () => {
    const url = `sqlite:${path.join(dir, 'worker.db')}`;
    await migrateToLatest(url);
    storage = await openStorage(url);
    await storage.tenants.create({
      id: scope.tenantId,
      name: 'mirror',
      createdAt: 0,
      plan: 'scale',
      freeCredits: 1000,
    });
  });
  afterAll(async () => storage?.close());

  async function pendingStamp(id: string): Promise<StampRecord> {
    const record: StampRecord = {
      id,
      tenantId: scope.tenantId,
      environment: scope.environment,
      subjectId: `chl_${id}`,
      method: 'voice',
      proofSha256: ethers.sha256(ethers.toUtf8Bytes(id)).slice(2),
      issuedAt: Math.floor(Date.now() / 1000) * 1000,
      signature: 'not-checked-here',
      offchain: null,
      chainStatus: 'pending',
      chainAttempts: 0,
      chainNextAttemptAt: 0,
      chainLeaseUntil: null,
      chainId: 31337,
      chainTxHash: null,
      chainUid: null,
      chainError: null,
      chainConfirmedAt: null,
    };
    await storage.stamps.insert(record);
    return record;
  }

  async function mirrorWith(env: NodeJS.ProcessEnv) {
    const config = loadConfig({ database: 'sqlite::memory:' }, env);
    const attester = await loadEasAttester(config.eas, storage.serverState, secret);
    return startChainMirror({
      storage,
      clock: systemClock,
      log,
      eas: { ...config.eas, chain: config.eas.chain! },
      attester: attester!,
      pollMs: 3_600_000,
      retryAt: (attempts, now) => (attempts < 3 ? now : null),
    });
  }

  it('retries while the chain is unreachable, then confirms', async () => {
    await pendingStamp('stp_retry0000000000000001');
    const down = await mirrorWith({ ...easEnv(), KEYRA_EAS_RPC_URL: 'http://127.0.0.1:9' });
    expect(await down.runOnce()).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    await down.stop();
    const failed = await storage.stamps.findById('stp_retry0000000000000001');
    expect(failed).toMatchObject({ chainStatus: 'pending', chainAttempts: 1, chainTxHash: null });
    expect(failed!.chainError).toBeTruthy();
    // last_error is public on the stamp: the RPC URL (often carrying an API key) never shows.
    expect(failed!.chainError).not.toContain('127.0.0.1:9');

    const up = await mirrorWith(easEnv());
    await up.runOnce();
    await up.stop();
    const done = await storage.stamps.findById('stp_retry0000000000000001');
    expect(done).toMatchObject({ chainStatus: 'confirmed', chainAttempts: 2, chainError: null });
    expect((await onChain(done!.chainUid!)).fields.proofHash).toBe(`0x${done!.proofSha256}`);
  }, 60_000);

  it('gives up after the last retry and says why', async () => {
    await pendingStamp('stp_giveup00000000000000001');
    const down = await mirrorWith({ ...easEnv(), KEYRA_EAS_RPC_URL: 'http://127.0.0.1:9' });
    for (let pass = 0; pass < 4; pass++) {
      await down.runOnce();
      await new Promise((r) => setTimeout(r, 5));
    }
    await down.stop();
    expect(await storage.stamps.findById('stp_giveup00000000000000001')).toMatchObject({
      chainStatus: 'failed',
      chainAttempts: 3,
    });
  }, 60_000);

  it('after a crash between submitting and recording the receipt, confirms the submitted transaction instead of attesting again', async () => {
    const stamp = await pendingStamp('stp_crash000000000000000001');
    const wallet = new ethers.Wallet(DEV_KEYS[0], chain.provider);
    const eas = new easSdk.EAS(contracts.eas);
    eas.connect(wallet as never);
    const request = await eas.attest({
      schema: schemaUid,
      data: {
        recipient: ethers.ZeroAddress,
        expirationTime: 0n,
        revocable: true,
        data: new easSdk.SchemaEncoder(
          'bytes32 proofHash, uint64 issuedAt, string method',
        ).encodeData([
          { name: 'proofHash', type: 'bytes32', value: `0x${stamp.proofSha256}` },
          { name: 'issuedAt', type: 'uint64', value: BigInt(stamp.issuedAt / 1000) },
          { name: 'method', type: 'string', value: 'voice' },
        ]),
      },
    });
    const sent = await wallet.sendTransaction(request.data as never);
    await sent.wait();
    // What a worker that died right after sending left behind.
    await storage.stamps.recordChainSubmission(stamp.id, 31337, sent.hash);
    const nonceBefore = await chain.provider.getTransactionCount(wallet.address);

    const mirror = await mirrorWith(easEnv());
    await mirror.runOnce();
    await mirror.stop();
    const done = await storage.stamps.findById(stamp.id);
    expect(done).toMatchObject({ chainStatus: 'confirmed', chainTxHash: sent.hash });
    expect(await chain.provider.getTransactionCount(wallet.address)).toBe(nonceBefore);
    expect((await onChain(done!.chainUid!)).valid).toBe(true);
  }, 60_000);
});
