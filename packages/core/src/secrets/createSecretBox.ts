import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption of small secrets at rest (signing keys, webhook secrets) under the
 * server secret. AES-256-GCM with a key derived by HKDF-SHA256 for one `purpose`, a random 96-bit
 * nonce per message, and optional associated data that binds the ciphertext to its row.
 */
export interface SecretBox {
  /** Returns `v1.<nonce>.<ciphertext+tag>` in base64url. */
  seal(plaintext: Buffer | string, associatedData?: string): string;
  /** Throws if the text was not sealed by this box with this associated data. */
  open(sealed: string, associatedData?: string): Buffer;
}

export function createSecretBox(serverSecret: Buffer, purpose: string): SecretBox {
  if (serverSecret.length < 32)
    throw new Error('createSecretBox: the server secret must be at least 32 bytes');
  const key = Buffer.from(
    hkdfSync('sha256', serverSecret, Buffer.alloc(0), `keyra:${purpose}`, 32),
  );
  return {
    seal(plaintext, associatedData = '') {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(associatedData, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, associatedData = '') {
      const [version, nonceText, bodyText] = sealed.split('.');
      if (version !== 'v1' || !nonceText || !bodyText)
        throw new Error('SecretBox: unknown sealed format');
      const body = Buffer.from(bodyText, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonceText, 'base64url'));
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(body.subarray(body.length - 16));
      return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
    },
  };
}
