import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signWebhook, standardKey, verifyKeyraSignature } from '../../src/index.js';

// The Standard Webhooks published vector (see test/fixtures/README.md for its source).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
/** A well-formed `v1` signature that matches nothing (from the same reference tests). */
const UNRELATED = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
const ROTATED = 'whsec_dGhlIG5leHQgc2VjcmV0IGFmdGVyIHJvdGF0aW9uIQ==';

describe('signWebhook: Standard Webhooks scheme', () => {
  beforeEach(() => {
    // The reference verifier reads the wall clock: freeze it at the vector's timestamp.
    vi.useFakeTimers({ now: VECTOR.timestamp * 1000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reproduces the published vector', () => {
    const headers = signWebhook([VECTOR.secret], VECTOR.id, VECTOR.timestamp, VECTOR.body);
    expect(headers).toMatchObject({
      'webhook-id': VECTOR.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': VECTOR.signature,
    });
    expect(headers['webhook-signature']).not.toBe(UNRELATED);
  });

  it('keys the HMAC with the base64 part of the secret', () => {
    expect(standardKey(VECTOR.secret)).toEqual(
      Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'),
    );
    expect(standardKey('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toEqual(standardKey(VECTOR.secret));
  });

  it('is accepted by the reference verifier, with either secret during a rotation', () => {
    const body = JSON.stringify({ id: VECTOR.id, type: 'challenge.approved', data: { a: 'é' } });
    const headers = signWebhook([ROTATED, VECTOR.secret], VECTOR.id, VECTOR.timestamp, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(VECTOR.secret).verify(body, { ...headers })).toMatchObject({
      type: 'challenge.approved',
    });
    expect(new Webhook(ROTATED).verify(body, { ...headers })).toBeTruthy();
  });

  it('is refused by the reference verifier for another body, id or secret', () => {
    const headers = signWebhook([VECTOR.secret], VECTOR.id, VECTOR.timestamp, VECTOR.body);
    const wh = new Webhook(VECTOR.secret);
    expect(() => wh.verify('{"test": 2432232315}', { ...headers })).toThrow(
      WebhookVerificationError,
    );
    expect(() => wh.verify(VECTOR.body, { ...headers, 'webhook-id': 'msg_other' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(ROTATED).verify(VECTOR.body, { ...headers })).toThrow(
      WebhookVerificationError,
    );
  });
});

describe('signWebhook: keyra-signature', () => {
  const t = VECTOR.timestamp;

  it('is t=SECONDS then one v1=HEX per secret, HMAC-SHA256 keyed by the whole whsec_ string', () => {
    const header = signWebhook([VECTOR.secret], VECTOR.id, t, VECTOR.body)['keyra-signature'];
    // HMAC-SHA256("whsec_MfKQ…", "1614265330.{\"test\": 2432232314}"), computed once and recorded.
    expect(header).toBe(
      't=1614265330,v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964',
    );
    const rotated = signWebhook([ROTATED, VECTOR.secret], VECTOR.id, t, VECTOR.body);
    expect(rotated['keyra-signature']).toMatch(/^t=1614265330,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(rotated['keyra-signature'].endsWith(header.slice('t=1614265330'.length))).toBe(true);
  });

  it('round-trips through verifyKeyraSignature with each current secret', () => {
    const header = signWebhook([ROTATED, VECTOR.secret], VECTOR.id, t, VECTOR.body)[
      'keyra-signature'
    ];
    expect(verifyKeyraSignature(header, VECTOR.body, VECTOR.secret, t)).toBe(true);
    expect(verifyKeyraSignature(header, VECTOR.body, ROTATED, t)).toBe(true);
    expect(verifyKeyraSignature(header.replaceAll(',', ', '), VECTOR.body, ROTATED, t)).toBe(true);
  });

  it('accepts the timestamp within 300 s on either side, and not one second more', () => {
    const header = signWebhook([VECTOR.secret], VECTOR.id, t, VECTOR.body)['keyra-signature'];
    const at = (now: number, tolerance?: number) =>
      verifyKeyraSignature(header, VECTOR.body, VECTOR.secret, now, tolerance);
    expect([at(t - 300), at(t + 300)]).toEqual([true, true]);
    expect([at(t - 301), at(t + 301)]).toEqual([false, false]);
    expect([at(t + 10, 10), at(t + 11, 10)]).toEqual([true, false]);
  });

  it.each([
    ['no header', undefined],
    ['no timestamp', 'v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964'],
    ['a non-numeric timestamp', 't=16142653a0,v1=00'],
    ['a 13-digit timestamp', 't=1614265330000,v1=00'],
    ['no v1', 't=1614265330'],
    ['a truncated v1', 't=1614265330,v1=2e37df5d4a028c51a7f3133d64ae1e30'],
    [
      'a v1 of another scheme version',
      't=1614265330,v0=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964',
    ],
    [
      'another timestamp over the same HMAC',
      't=1614265331,v1=2e37df5d4a028c51a7f3133d64ae1e300d2c2c900f1b1d49d4369ad2530f8964',
    ],
  ])('refuses %s', (_name, header) => {
    expect(verifyKeyraSignature(header, VECTOR.body, VECTOR.secret, t)).toBe(false);
  });

  it('refuses another body or another secret', () => {
    const header = signWebhook([VECTOR.secret], VECTOR.id, t, VECTOR.body)['keyra-signature'];
    expect(verifyKeyraSignature(header, VECTOR.body + ' ', VECTOR.secret, t)).toBe(false);
    expect(verifyKeyraSignature(header, VECTOR.body, ROTATED, t)).toBe(false);
  });
});
