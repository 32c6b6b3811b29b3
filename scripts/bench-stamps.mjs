#!/usr/bin/env node
// npm run bench:stamps [-- --iterations N]
//
// What a stamp adds to a verification, in process: issuing one (the stamp JWS with the proof key
// plus the EAS off-chain attestation, EIP-712 signed with the attester's secp256k1 key by ethers)
// against the ceiling of signing the proof itself (ES256 JWS), both measured in this run with the
// same keys, on a fresh SQLite database. Prints a Markdown line for docs/benchmarks.md.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrateToLatest, openStorage } from '@keyra/storage';
import { loadConfig } from '../packages/server/dist/config.js';
import { loadApprovalServices } from '../packages/server/dist/approval/loadApprovalServices.js';

const flag = process.argv.indexOf('--iterations');
const iterations = flag > 0 ? Number(process.argv[flag + 1]) : 500;
if (!Number.isInteger(iterations) || iterations < 10) {
  console.error('--iterations must be an integer >= 10');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-stamps-'));
const url = `sqlite:${path.join(dir, 'keyra.db')}`;
await migrateToLatest(url);
const storage = await openStorage(url);
try {
  await storage.tenants.create({
    id: 'ten_bench',
    name: 'bench',
    createdAt: 0,
    plan: 'pilot',
    freeCredits: 1000,
  });
  const config = loadConfig({ database: url, dataDir: dir }, {});
  const approval = await loadApprovalServices(storage, randomBytes(32), config, Date.now());
  if (!approval.attester)
    throw new Error('EAS packages are not installed (npm install without --omit=optional).');
  const scope = { tenantId: 'ten_bench', environment: 'sandbox' };
  const subject = {
    challengeId: 'chl_bench',
    action: 'transfer.approve',
    userId: 'usr_bench',
    payload: { amount: 12500, currency: 'USD' },
    challengeDigest: 'ab'.repeat(32),
    environment: 'sandbox',
    method: 'device',
    deviceId: 'dev_bench',
  };
  const proof = await approval.signer.sign(subject, Date.now());
  const time = async (fn) => {
    for (let i = 0; i < 20; i++) await fn(); // warm-up
    const started = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    return (performance.now() - started) / iterations;
  };
  const proofMs = await time(() => approval.signer.sign(subject, Date.now()));
  const stampMs = await time(() =>
    approval.stamps.issue(scope, { subjectId: 'chl_bench', method: 'device', proof }, Date.now()),
  );
  console.log(
    `| ${iterations} | ${proofMs.toFixed(2)} ms | ${stampMs.toFixed(2)} ms | ${(stampMs / proofMs).toFixed(1)}× |`,
  );
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
