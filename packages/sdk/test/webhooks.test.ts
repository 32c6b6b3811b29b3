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

  it('the built-in HMAC-SHA256 matches node:crypto on every length around the block size', () => {
    for (const keyLength of [0, 1, 63, 64, 65, 200]) {
      for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
        const key = Buffer.alloc(keyLength, 0x6b);
        const message = Buffer.from(Array.from({ length }, (_, i) => (i * 31) & 0xff));
        expect(Buffer.from(hmacSha256(key, message)).toString('hex')).toBe(
          createHmac('sha256', key).update(message).digest('hex'),
        );
      }
    }
  });
});
