import { createPublicKey } from 'node:crypto';
import { systemRandom, type EpochMs, type RandomBytes } from '@keyra/core';
import { aaguidBytes } from './aaguid.js';
import { fromPem } from './internal/pem.js';
import { randomSerialNumber } from './internal/serialNumber.js';
import { ES256, subtle, x509 } from './internal/x509.js';
import type { CertificateAuthority } from './createSimulatorRootCa.js';

/** The `id-fido-gen-ce-aaguid` certificate extension (FIDO Metadata / WebAuthn §8.2.1). */
export const FIDO_AAGUID_EXTENSION_OID = '1.3.6.1.4.1.45724.1.1.4';

/** Options of {@link issueAttestationCertificate}. */
export interface IssueAttestationCertificateOptions {
  /** The issuing CA (the server's simulator root). */
  rootCa: CertificateAuthority;
  /** The device's attestation public key: SPKI as DER bytes or PEM. Must be EC P-256. */
  subjectPublicKey: Uint8Array | string;
  /** The device model's AAGUID (lowercase UUID text), written into the certificate. */
  aaguid: string;
  /** Issue time; valid from one minute before, for five years, never past the CA's expiry. */
  now: EpochMs;
  /** Serial number as hex; random when omitted. */
  serialNumber?: string;
  /** Subject common name. Defaults to `KEYRA ONE Simulator`. */
  commonName?: string;
  /** Random source for the serial number. */
  random?: RandomBytes;
}

const MINUTE_MS = 60_000;
const LEAF_VALIDITY_MS = 5 * 365.25 * 24 * 60 * MINUTE_MS;

/**
 * Issues a KEYRA ONE attestation certificate for a device's attestation key, signed by `rootCa`.
 * Returns the certificate as PEM.
 *
 * The certificate meets the `packed` attestation certificate requirements of WebAuthn §8.2.1:
 * X.509 v3; subject `C`, `O`, `OU=Authenticator Attestation`, `CN`; basic constraints CA:false;
 * and the non-critical `id-fido-gen-ce-aaguid` extension holding the AAGUID as an OCTET STRING.
 *
 * This is the factory provisioning step of a KEYRA ONE. The server performs it for simulated
 * devices in sandbox only; production devices arrive with certificates from a real KEYRA ONE
 * root. Throws `TypeError` when the key is not an EC P-256 public key or the AAGUID is malformed.
 */
export async function issueAttestationCertificate(
  options: IssueAttestationCertificateOptions,
): Promise<string> {
  const spki = p256Spki(options.subjectPublicKey);
  const aaguid = aaguidBytes(options.aaguid);
  const caCertificate = new x509.X509Certificate(options.rootCa.certificatePem);
  const caKeyDer = fromPem(options.rootCa.privateKeyPem, 'PRIVATE KEY');
  if (!caKeyDer) throw new TypeError('rootCa.privateKeyPem is not a PKCS#8 PEM private key');
  const caKey = await subtle.importKey('pkcs8', caKeyDer, ES256, false, ['sign']);

  const notAfter = Math.min(options.now + LEAF_VALIDITY_MS, caCertificate.notAfter.getTime());
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serialNumber ?? randomSerialNumber(options.random ?? systemRandom),
    issuer: caCertificate.subjectName,
    subject: [
      { C: ['US'] },
      { O: ['KEYRA'] },
      { OU: ['Authenticator Attestation'] },
      { CN: [options.commonName ?? 'KEYRA ONE Simulator'] },
    ],
    notBefore: new Date(options.now - MINUTE_MS),
    notAfter: new Date(notAfter),
    publicKey: spki,
    signingKey: caKey,
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(spki),
      await x509.AuthorityKeyIdentifierExtension.create(caCertificate),
      // extnValue is itself an OCTET STRING; its content is the DER OCTET STRING of the AAGUID.
      new x509.Extension(FIDO_AAGUID_EXTENSION_OID, false, derOctetString(aaguid)),
    ],
  });
  return certificate.toString('pem') + '\n';
}

function p256Spki(key: Uint8Array | string): Buffer {
  let publicKey;
  try {
    publicKey =
      typeof key === 'string'
        ? createPublicKey(key)
        : createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new TypeError('subjectPublicKey is not an SPKI public key (DER or PEM)', { cause });
  }
  if (
    publicKey.asymmetricKeyType !== 'ec' ||
    publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new TypeError('subjectPublicKey must be an EC P-256 key');
  }
  return publicKey.export({ format: 'der', type: 'spki' });
}

function derOctetString(content: Buffer): Buffer {
  if (content.length > 127) throw new RangeError('short-form OCTET STRING only');
  return Buffer.concat([Buffer.from([0x04, content.length]), content]);
}
