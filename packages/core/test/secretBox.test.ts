import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../src/secrets/createSecretBox.js';

describe('secret box', () => {
  const secret = randomBytes(32);

  it('round-trips and binds the purpose and associated data', () => {
    const box = createSecretBox(secret, 'signing-keys');
    const sealed = box.seal('private key', 'kid-1');
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(box.open(sealed, 'kid-1').toString()).toBe('private key');
    expect(() => box.open(sealed, 'kid-2')).toThrow();
    expect(() => createSecretBox(secret, 'webhooks').open(sealed, 'kid-1')).toThrow();
    expect(() => createSecretBox(randomBytes(32), 'signing-keys').open(sealed, 'kid-1')).toThrow();
  });

  it('detects tampering and uses a fresh nonce each time', () => {
    const box = createSecretBox(secret, 'x');
    const sealed = box.seal('data');
    expect(box.seal('data')).not.toBe(sealed);
    const [v, nonce, body] = sealed.split('.') as [string, string, string];
    const bytes = Buffer.from(body, 'base64url');
    bytes[0]! ^= 1;
    expect(() => box.open(`${v}.${nonce}.${bytes.toString('base64url')}`)).toThrow();
    expect(() => box.open('v2.a.b')).toThrow(/format/);
  });

  it('refuses a short server secret', () => {
    expect(() => createSecretBox(randomBytes(16), 'x')).toThrow(/32 bytes/);
  });
});
