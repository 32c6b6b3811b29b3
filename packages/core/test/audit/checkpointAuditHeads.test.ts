import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAudit,
  AUDIT_CHECKPOINT_TYPE,
  checkAuditTrail,
  checkpointAuditHeads,
  createSecretBox,
  generateSigningKey,
  jwksDocument,
  signCompactJws,
  type AuditCheckpointSigner,
  type Scope,
  type SigningKeyRecord,
} from '../../src/index.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let clock: ManualClock;
let a: Scope;
let b: Scope;
let key: SigningKeyRecord;
let signer: AuditCheckpointSigner;

beforeEach(async () => {
  db = await openTestStorage();
  clock = manualClock();
  a = await tenantScope(db.storage, 'acme', clock.now());
  b = await tenantScope(db.storage, 'globex', clock.now());
  const box = createSecretBox(Buffer.alloc(32, 7), 'signing-keys');
  key = await generateSigningKey(box, clock.now());
  await db.storage.signingKeys.insert(key);
  signer = {
    issuer: () => 'https://keyra.example.com',
    signAuditCheckpoint: (claims) => signCompactJws(key, box, { ...claims }, AUDIT_CHECKPOINT_TYPE),
  };
});
afterEach(async () => db.close());

const run = () => checkpointAuditHeads({ audit: db.storage.audit, signer, now: clock.now() });
const append = (scope: Scope, subject: string) =>
  appendAudit(db.storage, scope, { type: 'challenge.created', subject }, clock.now());

describe('checkpointAuditHeads (the periodic job)', () => {
  it('signs each moved head once, verifiable with the JWKS, and nothing when nothing moved', async () => {
    expect(await run()).toEqual([]);
    await append(a, 'chl_1');
    await append(a, 'chl_2');
    const headA = await db.storage.audit.head(a.tenantId);
    await append(b, 'chl_3');
    const first = await run();
    expect(first.map((c) => [c.tenantId, c.seq, c.hash]).sort()).toEqual(
      [
        [a.tenantId, 2, headA.hash],
        [b.tenantId, 1, (await db.storage.audit.head(b.tenantId)).hash],
      ].sort(),
    );
    const { payload } = await jwtVerify(
      first[0]!.signature,
      createLocalJWKSet(jwksDocument([key])),
      {
        typ: AUDIT_CHECKPOINT_TYPE,
      },
    );
    expect(payload).toMatchObject({ seq: first[0]!.seq, head_hash: first[0]!.hash });

    clock.advance(60_000);
    expect(await run()).toEqual([]);
    await append(b, 'chl_4');
    expect((await run()).map((c) => [c.tenantId, c.seq])).toEqual([[b.tenantId, 2]]);
    for (const scope of [a, b])
      expect(await checkAuditTrail(scope.tenantId, db.storage)).toMatchObject({
        intact: true,
        broken: null,
      });
  });
});
