import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Keyra, WebhookSignatureError } from '../src/index.js';
import { hmacSha256 } from '../src/internal/hmacSha256.js';

/*
 * Webhook signatures, with headers built by independent code (node:crypto's HMAC, written from
 * docs/webhooks.md: hex HMAC-SHA256 keyed by the whole `whsec_…` string over `${t}.${rawBody}`).
 */

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8q1B4kG0qMc=';
const rawBody = JSON.stringify({
  id: 'evt_7Yt5Rw3Eq1Az9Sx8',
  type: 'challenge.approved',
  created: 1780080031,
  data: { challengeId: 'chl_Vb6Nm4Kj2Hg8Fd0S', note: 'naïve — ünïcödé' },
});
const now = 1780080031;
const sign = (key: string, t: number, body: string) =>
  createHmac('sha256', key).update(`${t}.${body}`, 'utf8').digest('hex');
const keyra = new Keyra({ apiKey: 'sk_test_x' });

describe('webhooks.verify', () => {
  it('accepts a valid signature, over a string or the raw bytes', () => {
    const header = `t=${now},v1=${sign(secret, now, rawBody)}`;
    expect(keyra.webhooks.verify(rawBody, header, secret, { now })).toBe(true);
    expect(keyra.webhooks.verify(Buffer.from(rawBody), header, secret, { now })).toBe(true);
  });

  it('rejects a tampered body, a wrong secret and a forged signature', () => {
    const header = `t=${now},v1=${sign(secret, now, rawBody)}`;
    expect(
      keyra.webhooks.verify(rawBody.replace('approved', 'rejected'), header, secret, { now }),
    ).toBe(false);
    expect(keyra.webhooks.verify(rawBody, header, 'whsec_other', { now })).toBe(false);
    expect(keyra.webhooks.verify(rawBody, `t=${now},v1=${'0'.repeat(64)}`, secret, { now })).toBe(
      false,
    );
    expect(
      keyra.webhooks.verify(rawBody, `t=${now + 1},v1=${sign(secret, now, rawBody)}`, secret, {
        now: now + 1,
      }),
    ).toBe(false);
    expect(keyra.webhooks.verify(rawBody, undefined, secret, { now })).toBe(false);
    expect(keyra.webhooks.verify(rawBody, 'garbage', secret, { now })).toBe(false);
  });

  it('rejects a stale or future timestamp (5-minute window)', () => {
    const old = now - 301;
    expect(
      keyra.webhooks.verify(rawBody, `t=${old},v1=${sign(secret, old, rawBody)}`, secret, { now }),
    ).toBe(false);
    const future = now + 301;
    expect(
      keyra.webhooks.verify(rawBody, `t=${future},v1=${sign(secret, future, rawBody)}`, secret, {
        now,
      }),
    ).toBe(false);
    const edge = now - 300;
    expect(
      keyra.webhooks.verify(rawBody, `t=${edge},v1=${sign(secret, edge, rawBody)}`, secret, {
        now,
      }),
    ).toBe(true);
  });

  it('accepts a rotation header with two v1 signatures, whichever secret the receiver holds', () => {
    const newSecret = 'whsec_bmV3IHNlY3JldCBmb3Igcm90YXRpb24=';
    const header = `t=${now},v1=${sign(newSecret, now, rawBody)},v1=${sign(secret, now, rawBody)}`;
    expect(keyra.webhooks.verify(rawBody, header, secret, { now })).toBe(true);
    expect(keyra.webhooks.verify(rawBody, header, newSecret, { now })).toBe(true);
    expect(keyra.webhooks.verify(rawBody, header, 'whsec_neither', { now })).toBe(false);
  });

  it('takes the secret from the client option, then KEYRA_WEBHOOK_SECRET; none is a programmer error', () => {
    const header = `t=${now},v1=${sign(secret, now, rawBody)}`;
    expect(
      new Keyra({ webhookSecret: secret }).webhooks.verify(rawBody, header, undefined, { now }),
    ).toBe(true);
    const saved = process.env.KEYRA_WEBHOOK_SECRET;
    try {
      process.env.KEYRA_WEBHOOK_SECRET = secret;
      expect(new Keyra().webhooks.verify(rawBody, header, undefined, { now })).toBe(true);
      delete process.env.KEYRA_WEBHOOK_SECRET;
      expect(() => new Keyra().webhooks.verify(rawBody, header)).toThrow(/webhook secret/);
    } finally {
      if (saved !== undefined) process.env.KEYRA_WEBHOOK_SECRET = saved;
    }
  });
});

describe('webhooks.constructEvent and generateTestHeader', () => {
  it('parses a verified event and throws WebhookSignatureError otherwise', () => {
    const header = `t=${now},v1=${sign(secret, now, rawBody)}`;
    const event = keyra.webhooks.constructEvent<{ challengeId: string }>(rawBody, header, secret, {
      now,
    });
    expect(event).toMatchObject({ id: 'evt_7Yt5Rw3Eq1Az9Sx8', type: 'challenge.approved' });
    expect(event.data.challengeId).toBe('chl_Vb6Nm4Kj2Hg8Fd0S');
    expect(() => keyra.webhooks.constructEvent(`${rawBody} `, header, secret, { now })).toThrow(
      WebhookSignatureError,
    );
  });

  it('signs exactly like node:crypto', () => {
    const header = keyra.webhooks.generateTestHeader({ payload: rawBody, secret, timestamp: now });
    expect(header).toBe(`t=${now},v1=${sign(secret, now, rawBody)}`);
    const fresh = keyra.webhooks.generateTestHeader({ payload: { hello: 'world' }, secret });
    expect(keyra.webhooks.verify('{"hello":"world"}', fresh, secret)).toBe(true);
  });

  it('HMAC-SHA256 gives the RFC 4231 test vectors (cases 1 and 2)', () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(hex(hmacSha256(Buffer.alloc(20, 0x0b), Buffer.from('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(hex(hmacSha256(Buffer.from('Jefe'), Buffer.from('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
