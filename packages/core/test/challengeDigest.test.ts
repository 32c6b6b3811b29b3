import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  challengeDigest,
  challengeDocument,
  rejectionChallenge,
} from '../src/challenges/challengeDigest.js';

/** The worked example of docs/challenge-digest.md: the seed's challenge. */
const example = {
  id: 'chl_9k2m',
  action: 'transfer.approve',
  userId: 'usr_8f2a',
  payload: { amount: 12500, currency: 'USD' },
  expiresAt: Date.parse('2026-05-29T18:42:00Z'),
};

describe('challenge digest', () => {
  it('hashes the canonical document of {id, action, userId, payload, expiresAt}', () => {
    expect(challengeDocument(example)).toBe(
      '{"action":"transfer.approve","expiresAt":"2026-05-29T18:42:00Z","id":"chl_9k2m","payload":{"amount":12500,"currency":"USD"},"userId":"usr_8f2a"}',
    );
    expect(challengeDigest(example)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('matches the worked example in docs/challenge-digest.md byte for byte', () => {
    const doc = readFileSync(new URL('../../../docs/challenge-digest.md', import.meta.url), 'utf8');
    expect(doc).toContain(challengeDocument(example));
    expect(doc).toContain(challengeDigest(example));
    expect(doc).toContain(rejectionChallenge(challengeDigest(example)).toString('hex'));
  });

  it('changes with any covered field, and not with key order', () => {
    const base = challengeDigest(example);
    expect(challengeDigest({ ...example, payload: { currency: 'USD', amount: 12500 } })).toBe(base);
    expect(challengeDigest({ ...example, payload: { amount: 12501, currency: 'USD' } })).not.toBe(
      base,
    );
    expect(challengeDigest({ ...example, action: 'transfer.cancel' })).not.toBe(base);
    expect(challengeDigest({ ...example, userId: 'usr_8f2b' })).not.toBe(base);
    expect(challengeDigest({ ...example, id: 'chl_9k2n' })).not.toBe(base);
    expect(challengeDigest({ ...example, expiresAt: example.expiresAt + 1000 })).not.toBe(base);
  });

  it('derives a rejection challenge distinct from the approval one', () => {
    const digest = challengeDigest(example);
    const reject = rejectionChallenge(digest);
    expect(reject).toHaveLength(32);
    expect(reject.toString('hex')).not.toBe(digest);
  });
});
