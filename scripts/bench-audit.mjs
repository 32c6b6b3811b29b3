#!/usr/bin/env node
// npm run bench:audit [-- --database URL] [--rounds N] [--batch N]
//
// What the audit append costs a verification, measured in one run (docs/audit.md):
//   1. pairs a simulated passkey and creates challenges through the core verbs;
//   2. times verifyChallenge (WebAuthn check, proof signing, the decision transaction with its
//      event and usage record) alternately WITH the audit append and WITHOUT it — the same verb
//      on a storage whose transactions skip `audit.append` (no head lock, no insert) — in
//      interleaved batches, so drift and noise fall on both sides alike;
//   3. prints the median and mean per verify of each and the added share; writes
//      bench-results/audit-<store>.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { approveChallenge, createAuthenticator, makeCredential } from '@keyra/device';
import {
  AUDIT_GENESIS_HASH,
  createChallenge,
  createSecretBox,
  ensureTenant,
  finishRegistration,
  generateSigningKey,
  sealAuditEntry,
  signProof,
  startRegistration,
  verifyChallenge,
} from '@keyra/core';
import { openStorage } from '@keyra/storage';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(`Usage: npm run bench:audit -- [--database URL] [--rounds N] [--batch N]

Times verifyChallenge with and without the audit append, interleaved, in one run.
  --database URL   sqlite:PATH (default: a temp file) or postgres://… (a scratch database: tables are used as is)
  --rounds N       with/without pairs of batches (default 20)
  --batch N        verifies per batch (default 25)`);
  process.exit(0);
}
const rounds = Number(flag('rounds', '20'));
const batch = Number(flag('batch', '25'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-audit-'));
const database = flag('database', `sqlite:${path.join(dir, 'bench.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';

const RP = {
  id: 'example.com',
  name: 'KEYRA',
  origins: ['https://app.example.com'],
  allowLocalhostOrigins: false,
};
const trust = {
  keyraOneOrigin: 'https://keyra-one.invalid',
  verifyChain: () => Promise.resolve({ trusted: false, reason: 'passkeys only in this bench' }),
};

const storage = await openStorage(database, { migrate: true });
let clock = Date.now();
const now = () => (clock += 1);

/**
 * The same storage, but its transactions' `audit.append` only seals the entry (its hash computed
 * as the product does): no head lock, no insert, no head update. Only for this comparison; the product has no way to turn auditing off.
 */
const withoutAudit = {
  ...storage,
  transaction: (fn) =>
    storage.transaction((tx) =>
      fn({
        ...tx,
        audit: {
          ...tx.audit,
          append: async (draft) => sealAuditEntry(draft, { seq: 0, hash: AUDIT_GENESIS_HASH }),
        },
      }),
    ),
};

try {
  const tenant = (await ensureTenant(storage.tenants, `bench-${Date.now()}`, now())).tenant;
  const scope = { tenantId: tenant.id, environment: 'sandbox' };
  const creation = await startRegistration(
    storage,
    RP,
    scope,
    { userId: 'usr_bench', displayName: 'bench' },
    now(),
  );
  const made = makeCredential(createAuthenticator(), creation, {
    origin: 'https://app.example.com',
  });
  let state = made.state;
  const device = await finishRegistration(
    storage,
    RP,
    trust,
    scope,
    { userId: 'usr_bench', response: made.response },
    now(),
  );
  const box = createSecretBox(Buffer.alloc(32, 7), 'signing-keys');
  const key = await generateSigningKey(box, now());
  const signer = {
    sign: async (subject, at) =>
      (await signProof(key, box, 'https://keyra.bench', subject, at)).jws,
  };
  const stamps = { issue: () => Promise.reject(new Error('no stamps in this bench')) };

  /** Times one verify of a fresh challenge (creating and signing it are not timed). */
  async function timedVerify(target) {
    const challenge = await createChallenge(
      scope,
      {
        action: 'payment.approve',
        userId: 'usr_bench',
        payload: { amount: 4200 },
        audience: 'bench',
      },
      { storage, now: now() },
    );
    const signed = approveChallenge(state, {
      digestHex: challenge.digest,
      rpId: RP.id,
      origin: 'https://app.example.com',
    });
    state = signed.state;
    const started = performance.now();
    const result = await verifyChallenge(
      scope,
      challenge.id,
      { deviceId: device.id, attestation: signed.response },
      { storage: target, rp: RP, trust, signer, stamps, now: now() },
    );
    const elapsed = performance.now() - started;
    if (result.challenge.status !== 'approved') throw new Error('verify did not approve');
    return elapsed;
  }

  // Warm-up: JIT, statement caches, connection pool.
  for (let i = 0; i < 20; i += 1) await timedVerify(i % 2 ? storage : withoutAudit);

  const samples = { with: [], without: [] };
  for (let round = 0; round < rounds; round += 1) {
    // Alternate which side goes first, so neither always runs on a warmer cache.
    const order = round % 2 ? ['without', 'with'] : ['with', 'without'];
    for (const side of order) {
      for (let i = 0; i < batch; i += 1)
        samples[side].push(await timedVerify(side === 'with' ? storage : withoutAudit));
    }
  }

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const mean = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const summary = (values) => ({
    n: values.length,
    medianMs: median(values),
    meanMs: mean(values),
  });
  const withAudit = summary(samples.with);
  const withoutAuditStats = summary(samples.without);
  const addedMedian = withAudit.medianMs / withoutAuditStats.medianMs - 1;
  const addedMean = withAudit.meanMs / withoutAuditStats.meanMs - 1;
  const result = {
    store,
    node: process.version,
    cpus: os.cpus().length,
    loadavg: os.loadavg(),
    rounds,
    batch,
    verifyWithAudit: withAudit,
    verifyWithoutAudit: withoutAuditStats,
    addedMedian,
    addedMean,
    target: 0.15,
    pass: addedMedian < 0.15,
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(`bench-results/audit-${store}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const ms = (v) => v.toFixed(3);
  const pct = (v) => `${(v * 100).toFixed(1)} %`;
  console.log(
    `\n### Audit append on verify (${store}, ${withAudit.n} verifies per side, load ${os.loadavg()[0].toFixed(2)})\n`,
  );
  console.log('| | median ms | mean ms |');
  console.log('|---|---:|---:|');
  console.log(
    `| verify without audit | ${ms(withoutAuditStats.medianMs)} | ${ms(withoutAuditStats.meanMs)} |`,
  );
  console.log(`| verify with audit | ${ms(withAudit.medianMs)} | ${ms(withAudit.meanMs)} |`);
  console.log(`| added | ${pct(addedMedian)} | ${pct(addedMean)} |`);
  console.log(`\nTarget: under 15 % added (median): ${result.pass ? 'met' : 'NOT met'}.`);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
