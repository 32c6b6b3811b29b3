#!/usr/bin/env node
// The floors of `npm run bench`: bare Fastify routes doing only the irreducible work of each KEYRA
// route, against the same database KEYRA used in the same run. Started by scripts/bench.mjs as
//   node scripts/bench/floorServer.mjs --database URL [--rp-id localhost] [--origin URL]
// and prints one line `{"url": …}` when listening. Nothing here is product code.
//
//   GET  /bare                 an empty JSON answer (the ceiling of any route)
//   POST /insert               JSON body → one insert of a challenge row, prepared, our pragmas
//   POST /insert-audited       /insert plus the challenge.created audit entry the rules require in
//                              the same transaction: on SQLite the tenant's chain head read, the
//                              entry (SHA-256 over its canonical JSON) inserted and the head moved;
//                              on PostgreSQL one statement with the entry as a pending row (the
//                              chaining KEYRA does after commit, in batches, is left out)
//   GET  /read/:id             one indexed read of a challenge row
//   POST /verify/:id           the verify floor: 2 indexed reads (challenge, device), the WebAuthn
//                              assertion checks and its ECDSA P-256 signature (device key imported
//                              once), one ES256 proof signature (key imported once), and one
//                              transaction (conditional decide, counter update, event row)
//   POST /verify-audited/:id   /verify plus the challenge.approved audit entry and the metering
//                              (usage record, tenant count, billing) in the same transaction
import { createHash, createPublicKey, createVerify, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { SignJWT, generateKeyPair } from 'jose';
import { convertCOSEtoPKCS, isoBase64URL } from '@simplewebauthn/server/helpers';
import { AUDIT_GENESIS_HASH, sealAuditEntry } from '@keyra/core';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const database = flag('database', '');
const rpId = flag('rp-id', 'localhost');
const allowedOrigins = new Set(
  flag('origin', 'https://keyra-one.local,http://localhost').split(','),
);
const rpIdHash = createHash('sha256').update(rpId).digest();

/** A minimal store over one connection with prepared statements: SQLite or PostgreSQL. */
async function openDatabase(url) {
  if (url.startsWith('sqlite:')) {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
    const insert = db.prepare(
      `insert into challenges (id, tenant_id, environment, action, user_id, payload, digest, status,
        created_at, expires_at, decided_at, device_id, method, proof, stamp_requested, stamp_id)
       values (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, null, null, null, null, 0, null)`,
    );
    const challenge = db.prepare(
      'select * from challenges where id = ? and tenant_id = ? and environment = ?',
    );
    const device = db.prepare(
      'select * from devices where id = ? and tenant_id = ? and environment = ?',
    );
    const decide = db.prepare(
      `update challenges set status = ?, decided_at = ?, device_id = ?, method = ?, proof = ?
       where id = ? and tenant_id = ? and environment = ? and status = 'pending' and expires_at > ?`,
    );
    const recordUse = db.prepare(
      'update devices set sign_count = ?, last_used_at = ? where id = ? and sign_count = ?',
    );
    const event = db.prepare(
      'insert into events (id, tenant_id, environment, type, data, created_at) values (?, ?, ?, ?, ?, ?)',
    );
    const tenant = db.prepare('select tenant_id from api_keys limit 1').get();
    const head = db.prepare('select seq, hash from audit_heads where tenant_id = ?');
    const entry = db.prepare(
      `insert into audit_entries (id, tenant_id, seq, type, environment, actor, subject, data,
        occurred_at, prev_hash, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const moveHead = db.prepare(
      'update audit_heads set seq = ?, hash = ?, prev_hash = ? where tenant_id = ?',
    );
    const usage = db.prepare(
      `insert into usage_records (id, tenant_id, environment, subject_id, method, billing, plan,
        day, created_at) values (?, ?, ?, ?, ?, 'credit', 'pilot', ?, ?)
       on conflict (tenant_id, environment, subject_id) do nothing`,
    );
    const countMetered = db.prepare(
      `update tenants set metered_count = metered_count + 1 where id = ?
       returning metered_count, free_credits, plan`,
    );
    const bill = db.prepare('update usage_records set billing = ?, plan = ? where id = ?');
    /** The verify's metering, exactly once per challenge: KEYRA's three statements. */
    const meter = (u) => {
      if (usage.run(u.id, ...u.scope, u.subjectId, 'device', u.day, u.now).changes === 0) return;
      const t = countMetered.get(u.scope[0]);
      bill.run(t.metered_count <= t.free_credits ? 'credit' : 'overage', t.plan, u.id);
    };
    /** The audit entry, chained: read the head, insert the sealed entry, move the head. */
    const append = (draft) => {
      const current = head.get(draft.tenantId) ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
      const sealed = sealAuditEntry(draft, { seq: Number(current.seq), hash: current.hash });
      entry.run(
        sealed.id,
        sealed.tenantId,
        sealed.seq,
        sealed.type,
        sealed.environment,
        sealed.actor,
        sealed.subject,
        JSON.stringify(sealed.data),
        sealed.occurredAt,
        sealed.prevHash,
        sealed.hash,
      );
      moveHead.run(sealed.seq, sealed.hash, sealed.prevHash, sealed.tenantId);
    };
    const auditedTx = db.transaction((row, draft) => {
      insert.run(...row);
      append(draft);
    });
    const decideTx = db.transaction((d) => {
      if (
        decide.run(d.status, d.now, d.deviceId, 'device', d.proof, d.id, ...d.scope, d.now)
          .changes !== 1
      )
        return false;
      if (recordUse.run(d.counter, d.now, d.deviceId, d.oldCounter).changes !== 1)
        throw new Error('counter already used');
      event.run(d.eventId, ...d.scope, d.type, d.data, d.now);
      if (d.audit) append(d.audit);
      if (d.usage) meter(d.usage);
      return true;
    });
    return {
      tenantId: tenant.tenant_id,
      insert: async (row) => insert.run(...row),
      insertAudited: async (row, draft) => auditedTx(row, draft),
      challenge: async (id, scope) => challenge.get(id, ...scope),
      device: async (id, scope) => device.get(id, ...scope),
      decide: async (d) => decideTx(d),
    };
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const q = (name, text, values, client = pool) => client.query({ name, text, values });
  const tenant = (await pool.query('select tenant_id from api_keys limit 1')).rows[0];
  return {
    tenantId: tenant.tenant_id,
    insert: (row) =>
      q(
        'floor_insert',
        `insert into challenges (id, tenant_id, environment, action, user_id, payload, digest, status,
          created_at, expires_at, decided_at, device_id, method, proof, stamp_requested, stamp_id)
         values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, null, null, null, null, 0, null)`,
        row,
      ),
    insertAudited: (row, draft) =>
      q(
        'floor_insert_audited',
        `with challenge as (
           insert into challenges (id, tenant_id, environment, action, user_id, payload, digest,
             status, created_at, expires_at, decided_at, device_id, method, proof, stamp_requested,
             stamp_id)
           values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, null, null, null, null, 0, null))
         insert into audit_pending (id, tenant_id, type, environment, actor, subject, data, occurred_at)
         values ($10, $11, $12, $13, $14, $15, $16, $17)`,
        [
          ...row,
          draft.id,
          draft.tenantId,
          draft.type,
          draft.environment,
          draft.actor,
          draft.subject,
          JSON.stringify(draft.data),
          draft.occurredAt,
        ],
      ),
    challenge: async (id, scope) =>
      (
        await q(
          'floor_challenge',
          'select * from challenges where id = $1 and tenant_id = $2 and environment = $3',
          [id, ...scope],
        )
      ).rows[0],
    device: async (id, scope) =>
      (
        await q(
          'floor_device',
          'select * from devices where id = $1 and tenant_id = $2 and environment = $3',
          [id, ...scope],
        )
      ).rows[0],
    decide: async (d) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const decided = await q(
          'floor_decide',
          `update challenges set status = $1, decided_at = $2, device_id = $3, method = 'device', proof = $4
           where id = $5 and tenant_id = $6 and environment = $7 and status = 'pending' and expires_at > $2`,
          [d.status, d.now, d.deviceId, d.proof, d.id, ...d.scope],
          client,
        );
        if (decided.rowCount !== 1) {
          await client.query('rollback');
          return false;
        }
        const used = await q(
          'floor_use',
          'update devices set sign_count = $1, last_used_at = $2 where id = $3 and sign_count = $4',
          [d.counter, d.now, d.deviceId, d.oldCounter],
          client,
        );
        if (used.rowCount !== 1) throw new Error('counter already used');
        await q(
          'floor_event',
          'insert into events (id, tenant_id, environment, type, data, created_at) values ($1, $2, $3, $4, $5, $6)',
          [d.eventId, ...d.scope, d.type, d.data, d.now],
          client,
        );
        // KEYRA's audit entry and usage record on PostgreSQL: pending rows, chained and billed
        // after the commit in batches (that later work is left out here).
        if (d.audit)
          await q(
            'floor_audit_pending',
            `insert into audit_pending (id, tenant_id, type, environment, actor, subject, data,
               occurred_at) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
            [
              d.audit.id,
              d.audit.tenantId,
              d.audit.type,
              d.audit.environment,
              d.audit.actor,
              d.audit.subject,
              JSON.stringify(d.audit.data),
              d.audit.occurredAt,
            ],
            client,
          );
        if (d.usage)
          await q(
            'floor_usage_pending',
            `insert into usage_records (id, tenant_id, environment, subject_id, method, billing,
               plan, day, created_at)
             select $1, $2, $3, $4, 'device', 'pending', plan, $5, $6 from tenants where id = $2
             on conflict (tenant_id, environment, subject_id) do nothing`,
            [d.usage.id, ...d.usage.scope, d.usage.subjectId, d.usage.day, d.usage.now],
            client,
          );
        await client.query('commit');
        return true;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

const db = await openDatabase(database);
const scope = [db.tenantId, 'sandbox'];
const { privateKey: proofKey } = await generateKeyPair('ES256');
const deviceKeys = new Map();

/** The device's COSE key as a node:crypto KeyObject, imported once per device. */
function deviceKey(row) {
  let key = deviceKeys.get(row.id);
  if (!key) {
    const point = convertCOSEtoPKCS(isoBase64URL.toBuffer(row.public_key));
    key = createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(point.subarray(33, 65)).toString('base64url'),
      },
      format: 'jwk',
    });
    deviceKeys.set(row.id, key);
  }
  return key;
}

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ ok: true }));
app.get('/read/:id', async (request, reply) => {
  const row = await db.challenge(request.params.id, scope);
  if (!row) return reply.code(404).send({ code: 'challenge_not_found' });
  return {
    id: row.id,
    status: row.status,
    action: row.action,
    userId: row.user_id,
    payload: JSON.parse(row.payload),
    digest: row.digest,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
  };
});
/** `audited`: the challenge.created audit entry in the same transaction (POST /insert-audited). */
const insertRoute = (audited) => async (request, reply) => {
  const { action, userId, payload = {} } = request.body;
  const now = Date.now();
  const id = `chl_${randomBytes(16).toString('hex')}`;
  const digest = createHash('sha256')
    .update(JSON.stringify({ id, action, userId, payload }))
    .digest('hex');
  const row = [id, ...scope, action, userId, JSON.stringify(payload), digest, now, now + 600_000];
  if (audited)
    await db.insertAudited(row, {
      id: `aud_${randomBytes(16).toString('hex')}`,
      tenantId: db.tenantId,
      type: 'challenge.created',
      environment: 'sandbox',
      actor: 'floor',
      subject: id,
      data: { action, userId, digest },
      occurredAt: now,
    });
  else await db.insert(row);
  return reply
    .code(201)
    .send({ id, status: 'pending', expiresAt: new Date(now + 600_000).toISOString() });
};
app.post('/insert', insertRoute(false));
app.post('/insert-audited', insertRoute(true));
/** `audited`: with the audit entry and usage record the rules require (POST /verify-audited/:id). */
const verifyRoute = (audited) => async (request, reply) => {
  const { deviceId, attestation } = request.body;
  const now = Date.now();
  const challenge = await db.challenge(request.params.id, scope);
  if (!challenge || challenge.status !== 'pending' || Number(challenge.expires_at) <= now)
    return reply.code(409).send({ code: 'challenge_already_used' });
  const device = await db.device(deviceId, scope);
  if (!device || device.user_id !== challenge.user_id || device.credential_id !== attestation.id)
    return reply.code(422).send({ code: 'attestation_invalid' });
  // The WebAuthn checks: client data type, challenge and origin; rpId hash; UP and UV flags;
  // the signature over authenticatorData ‖ SHA-256(clientDataJSON); the counter.
  const clientDataJSON = Buffer.from(attestation.response.clientDataJSON, 'base64url');
  const clientData = JSON.parse(clientDataJSON.toString('utf8'));
  const authData = Buffer.from(attestation.response.authenticatorData, 'base64url');
  const expected = Buffer.from(challenge.digest, 'hex').toString('base64url');
  const flags = authData[32];
  const counter = authData.readUInt32BE(33);
  if (
    clientData.type !== 'webauthn.get' ||
    clientData.challenge !== expected ||
    !allowedOrigins.has(clientData.origin) ||
    !authData.subarray(0, 32).equals(rpIdHash) ||
    (flags & 0x01) === 0 ||
    (flags & 0x04) === 0 ||
    !createVerify('sha256')
      .update(authData)
      .update(createHash('sha256').update(clientDataJSON).digest())
      .verify(deviceKey(device), Buffer.from(attestation.response.signature, 'base64url')) ||
    counter <= Number(device.sign_count)
  )
    return reply.code(422).send({ code: 'attestation_invalid' });
  const proof = await new SignJWT({
    challengeId: challenge.id,
    action: challenge.action,
    payloadDigest: createHash('sha256').update(challenge.payload).digest('hex'),
    challengeDigest: challenge.digest,
    method: 'device',
    deviceId,
    env: 'sandbox',
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'keyra-proof+jwt' })
    .setIssuer('http://floor')
    .setSubject(challenge.user_id)
    .setIssuedAt()
    .sign(proofKey);
  const decided = await db.decide({
    id: challenge.id,
    scope,
    status: 'approved',
    now,
    deviceId,
    proof,
    counter,
    oldCounter: Number(device.sign_count),
    eventId: `evt_${randomBytes(16).toString('hex')}`,
    type: 'challenge.approved',
    data: JSON.stringify({ challengeId: challenge.id, action: challenge.action, deviceId }),
    ...(audited && {
      audit: {
        id: `aud_${randomBytes(16).toString('hex')}`,
        tenantId: db.tenantId,
        type: 'challenge.approved',
        environment: 'sandbox',
        actor: 'floor',
        subject: challenge.id,
        data: { deviceId, method: 'device' },
        occurredAt: now,
      },
      usage: {
        id: `use_${randomBytes(16).toString('hex')}`,
        scope,
        subjectId: challenge.id,
        day: new Date(now).toISOString().slice(0, 10),
        now,
      },
    }),
  });
  if (!decided) return reply.code(409).send({ code: 'challenge_already_used' });
  return { id: challenge.id, status: 'approved', proof };
};
app.post('/verify/:id', verifyRoute(false));
app.post('/verify-audited/:id', verifyRoute(true));

const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url: address }));
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
