import { randomBytes } from 'node:crypto';
import { createSecretBox } from '@keyra/core';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createProofSigner,
  ensureSigningKey,
  rotateSigningKey,
} from '../src/approval/createProofSigner.js';
import { createTestApp, type TestApp } from './helpers/testApp.js';

const subject = {
  challengeId: 'chl_abc12345',
  action: 'transfer.approve',
  userId: 'usr_1',
  payload: { amount: 1 },
  challengeDigest: 'ab'.repeat(32),
  environment: 'sandbox' as const,
  method: 'device' as const,
  deviceId: 'dev_abc12345',
  audience: 'acme',
};

describe('proof signing keys', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => t.close());

  it('rotate: new proofs use the new key, old proofs still verify, both keys are published', async () => {
    const box = createSecretBox(randomBytes(32), 'signing-keys');
    await ensureSigningKey(t.storage.signingKeys, box, 1);
    // The app's own key was sealed with another secret: use a fresh store view for this box.
    const mine = (await t.storage.signingKeys.listAll()).length;
    expect(mine).toBeGreaterThanOrEqual(1);
    await rotateSigningKey(t.storage.signingKeys, box, 2);
    const before = createProofSigner(t.storage.signingKeys, box, 'https://keyra.test');
    const oldProof = await before.sign(subject, 3);
    await rotateSigningKey(t.storage.signingKeys, box, 4);
    const after = createProofSigner(t.storage.signingKeys, box, 'https://keyra.test');
    const newProof = await after.sign(subject, 5);
    expect(decodeProtectedHeader(newProof).kid).not.toBe(decodeProtectedHeader(oldProof).kid);
    const jwks = await after.jwks();
    const active = (await t.storage.signingKeys.listAll()).filter((key) => key.retiredAt === null);
    expect(active).toHaveLength(1);
    for (const proof of [oldProof, newProof]) {
      const { payload } = await jwtVerify(proof, createLocalJWKSet(jwks), {
        issuer: 'https://keyra.test',
        currentDate: new Date(5),
      });
      expect(payload.challengeId).toBe(subject.challengeId);
    }
    // Published keys carry no private material.
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
  });

  it('keeps private keys sealed at rest', async () => {
    const [key] = await t.storage.signingKeys.listAll();
    expect(key!.sealedPrivateJwk).toMatch(/^v1\./);
    expect(key!.sealedPrivateJwk).not.toContain('"d"');
    expect(JSON.stringify(key!.publicJwk)).not.toContain('"d"');
  });
});
