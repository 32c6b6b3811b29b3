import type { webcrypto } from 'node:crypto';
import { systemRandom, type EpochMs, type RandomBytes } from '@keyra/core';
import { toPem } from './internal/pem.js';
import { randomSerialNumber } from './internal/serialNumber.js';
import { ES256, subtle, x509 } from './internal/x509.js';

/** A certificate authority: its self-signed certificate and its private key (PKCS#8), both PEM. */
export interface CertificateAuthority {
  certificatePem: string;
  privateKeyPem: string;
}

/** Options of {@link createSimulatorRootCa}. */
export interface CreateSimulatorRootCaOptions {
  /** Issue time; the certificate is valid from one minute before (clock skew) for ten years. */
  now: EpochMs;
  /** Subject common name. Defaults to `KEYRA ONE Simulator Root CA`. */
  commonName?: string;
  /** Random source for the serial number. */
  random?: RandomBytes;
}

const MINUTE_MS = 60_000;
const ROOT_VALIDITY_MS = 10 * 365.25 * 24 * 60 * MINUTE_MS;

/**
 * Creates the simulator's KEYRA ONE root CA: a self-signed P-256 certificate (CA:true,
 * pathLen 0, keyCertSign | cRLSign, valid ten years) and its private key.
 *
 * The server creates it once in its data directory and trusts it in sandbox only; the key never
 * leaves the server. Simulated devices get their attestation certificate from
 * {@link issueAttestationCertificate}, like a factory provisioning step.
 */
export async function createSimulatorRootCa(
  options: CreateSimulatorRootCaOptions,
): Promise<CertificateAuthority> {
  const keys = (await subtle.generateKey(ES256, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(options.random ?? systemRandom),
    name: [
      { O: ['KEYRA'] },
      { OU: ['KEYRA ONE Simulator'] },
      { CN: [options.commonName ?? 'KEYRA ONE Simulator Root CA'] },
    ],
    notBefore: new Date(options.now - MINUTE_MS),
    notAfter: new Date(options.now + ROOT_VALIDITY_MS),
    keys,
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return {
    certificatePem: certificate.toString('pem') + '\n',
    privateKeyPem: toPem(new Uint8Array(pkcs8), 'PRIVATE KEY'),
  };
}
