import 'reflect-metadata';
import { X509Certificate as NodeX509, generateKeyPairSync } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { getCertificateInfo } from '@simplewebauthn/server/helpers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSimulatorRootCa,
  issueAttestationCertificate,
  KEYRA_ONE_SIMULATOR_AAGUID,
  type CertificateAuthority,
} from '../src/index.js';
import { deviceAttestationKeyPem } from './support.js';

const NOW = Date.parse('2026-05-29T18:42:00Z');
const YEAR = 365.25 * 24 * 3600 * 1000;

let ca: CertificateAuthority;
let leafPem: string;

beforeAll(async () => {
  ca = await createSimulatorRootCa({ now: NOW });
  leafPem = await issueAttestationCertificate({
    rootCa: ca,
    subjectPublicKey: deviceAttestationKeyPem(),
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    now: NOW,
    serialNumber: '0a1b2c',
  });
});

describe('createSimulatorRootCa', () => {
  it('creates a self-signed P-256 CA valid for ten years, allowed to sign certificates', async () => {
    const root = new x509.X509Certificate(ca.certificatePem);
    expect(await root.isSelfSigned()).toBe(true);
    expect(root.subject).toContain('CN=KEYRA ONE Simulator Root CA');
    expect(root.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    const constraints = root.getExtension(x509.BasicConstraintsExtension);
    expect(constraints?.ca).toBe(true);
    expect(constraints?.critical).toBe(true);
    const usage = root.getExtension(x509.KeyUsagesExtension);
    expect(usage!.usages & x509.KeyUsageFlags.keyCertSign).toBeTruthy();
    expect(root.notBefore.getTime()).toBeLessThanOrEqual(NOW);
    expect(Math.round((root.notAfter.getTime() - NOW) / YEAR)).toBe(10);
    expect(ca.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // Node's own parser agrees that the key signs the certificate.
    const node = new NodeX509(ca.certificatePem);
    expect(node.ca).toBe(true);
    expect(node.verify(node.publicKey)).toBe(true);
  });

  it('takes a common name and gives each root its own key and serial', async () => {
    const other = await createSimulatorRootCa({ now: NOW, commonName: 'Test Root' });
    const a = new x509.X509Certificate(ca.certificatePem);
    const b = new x509.X509Certificate(other.certificatePem);
    expect(b.subject).toContain('CN=Test Root');
    expect(b.serialNumber).not.toBe(a.serialNumber);
    expect(other.privateKeyPem).not.toBe(ca.privateKeyPem);
  });
});

describe('issueAttestationCertificate', () => {
  it('meets the packed attestation certificate requirements of WebAuthn §8.2.1', () => {
    const info = getCertificateInfo(new NodeX509(leafPem).raw);
    expect(info.version).toBe(2); // ASN.1 2 = X.509 v3
    expect(info.subject).toMatchObject({
      C: 'US',
      O: 'KEYRA',
      OU: 'Authenticator Attestation',
      CN: 'KEYRA ONE Simulator',
    });
    expect(info.basicConstraintsCA).toBe(false);
  });

  it('carries the AAGUID in a non-critical id-fido-gen-ce-aaguid extension (OCTET STRING in OCTET STRING)', () => {
    const leaf = new x509.X509Certificate(leafPem);
    const ext = leaf.getExtension('1.3.6.1.4.1.45724.1.1.4');
    expect(ext?.critical).toBe(false);
    // extnValue holds DER OCTET STRING (04), length 16 (10), then the AAGUID bytes.
    expect(Buffer.from(ext!.value).toString('hex')).toBe(
      `0410${KEYRA_ONE_SIMULATOR_AAGUID.replace(/-/g, '')}`,
    );
  });

  it('is signed by the root, for the given key and serial, within the root validity', async () => {
    const leaf = new x509.X509Certificate(leafPem);
    const root = new x509.X509Certificate(ca.certificatePem);
    expect(await leaf.verify({ publicKey: root.publicKey, signatureOnly: true })).toBe(true);
    expect(leaf.issuer).toBe(root.subject);
    expect(leaf.serialNumber).toBe('0a1b2c');
    expect(leaf.notAfter.getTime()).toBeLessThanOrEqual(root.notAfter.getTime());
    expect(new NodeX509(leafPem).checkIssued(new NodeX509(ca.certificatePem))).toBe(true);
  });

  it('caps the validity at the root expiry', async () => {
    const late = NOW + 9.5 * YEAR;
    const pem = await issueAttestationCertificate({
      rootCa: ca,
      subjectPublicKey: deviceAttestationKeyPem(),
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      now: late,
    });
    const root = new x509.X509Certificate(ca.certificatePem);
    expect(new x509.X509Certificate(pem).notAfter.getTime()).toBe(root.notAfter.getTime());
  });

  it('accepts the key as DER as well as PEM', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ format: 'der', type: 'spki' });
    const pem = await issueAttestationCertificate({
      rootCa: ca,
      subjectPublicKey: der,
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      now: NOW,
    });
    expect(Buffer.from(new x509.X509Certificate(pem).publicKey.rawData).equals(der)).toBe(true);
  });

  it('refuses keys that are not P-256, junk keys and malformed AAGUIDs', async () => {
    const issue = (subjectPublicKey: Uint8Array | string, aaguid = KEYRA_ONE_SIMULATOR_AAGUID) =>
      issueAttestationCertificate({ rootCa: ca, subjectPublicKey, aaguid, now: NOW });
    const ed25519 = generateKeyPairSync('ed25519').publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    await expect(issue(ed25519.export({ format: 'pem', type: 'spki' }).toString())).rejects.toThrow(
      /P-256/,
    );
    await expect(issue(p384.export({ format: 'der', type: 'spki' }))).rejects.toThrow(/P-256/);
    await expect(issue(Buffer.from('not a key'))).rejects.toThrow(/SPKI/);
    const good = deviceAttestationKeyPem();
    await expect(issue(good, 'not-a-uuid')).rejects.toThrow(/AAGUID/);
  });
});
