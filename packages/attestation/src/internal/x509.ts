// @peculiar/x509 uses tsyringe-style decorators and a pluggable WebCrypto: both must be set up
// before any certificate is parsed or built, so every module reaches x509 through this file.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };

/** WebCrypto's `subtle`, typed as Node's. */
export const subtle = webcrypto.subtle;

/** ECDSA over P-256 with SHA-256 (COSE -7, ES256): the only algorithm a KEYRA ONE uses. */
export const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
