import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createSimulatorRootCa,
  issueAttestationCertificate,
  KEYRA_ONE_SIMULATOR_AAGUID,
  verifyAttestationChain,
  type CertificateAuthority,
} from '../src/index.js';
import { deviceAttestationKeyPem } from './support.js';

const NOW = Date.parse('2026-05-29T18:42:00Z');
const DAY = 24 * 3600 * 1000;
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

type Keys = webcrypto.CryptoKeyPair;
const der = (pem: string): Buffer => Buffer.from(new x509.X509Certificate(pem).rawData);
const fingerprint = (pem: string): string => createHash('sha256').update(der(pem)).digest('hex');

let ca: CertificateAuthority;
let foreign: CertificateAuthority;
let leaf: Buffer;

async function issueLeaf(rootCa: CertificateAuthority, now = NOW): Promise<Buffer> {
  const pem = await issueAttestationCertificate({
    rootCa,
    subjectPublicKey: deviceAttestationKeyPem(),
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    now,
  });
  return der(pem);
}

/** Builds arbitrary certificates (intermediates, broken CAs) the library itself never issues. */
async function certificate(options: {
  subject: string;
  issuer?: { name: string; keys: Keys };
  keys: Keys;
  ca: boolean | null;
  pathLength?: number;
  keyUsage?: number;
  critical?: x509.Extension;
  notAfter?: number;
}): Promise<Buffer> {
  const extensions: x509.Extension[] = [];
  if (options.ca !== null) {
    extensions.push(new x509.BasicConstraintsExtension(options.ca, options.pathLength, true));
  }
  if (options.keyUsage !== undefined) {
    extensions.push(new x509.KeyUsagesExtension(options.keyUsage, true));
  }
  if (options.critical) extensions.push(options.critical);
  const cert = await x509.X509CertificateGenerator.create({
    subject: options.subject,
    issuer: options.issuer?.name ?? options.subject,
    notBefore: new Date(NOW - DAY),
    notAfter: new Date(options.notAfter ?? NOW + 365 * DAY),
    publicKey: options.keys.publicKey,
    signingKey: (options.issuer?.keys ?? options.keys).privateKey,
    signingAlgorithm: ALG,
    extensions,
  });
  return Buffer.from(cert.rawData);
}

const newKeys = async (): Promise<Keys> =>
  (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as Keys;
const pemOf = (bytes: Buffer): string => new x509.X509Certificate(bytes).toString('pem');

beforeAll(async () => {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  ca = await createSimulatorRootCa({ now: NOW });
  foreign = await createSimulatorRootCa({ now: NOW, commonName: 'KEYRA ONE Simulator Root CA' });
  leaf = await issueLeaf(ca);
});

describe('verifyAttestationChain', () => {
  it('trusts a leaf issued by a trusted root and names the root by its SHA-256 fingerprint', async () => {
    const result = await verifyAttestationChain({
      x5c: [leaf],
      trustedRootsPem: [foreign.certificatePem, ca.certificatePem],
      now: NOW,
    });
    expect(result).toEqual({ trusted: true, rootFingerprint: fingerprint(ca.certificatePem) });
  });

  it('also trusts the chain when the sender appends the trusted root itself', async () => {
    const result = await verifyAttestationChain({
      x5c: [leaf, der(ca.certificatePem)],
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
    });
    expect(result.trusted).toBe(true);
  });

  it('refuses a certificate from a foreign root, even one with the same name', async () => {
    const result = await verifyAttestationChain({
      x5c: [leaf],
      trustedRootsPem: [foreign.certificatePem],
      now: NOW,
    });
    expect(result).toEqual({ trusted: false, reason: 'chain does not lead to a trusted root' });
    // …and a foreign leaf that appends its own (untrusted) root.
    const foreignChain = [await issueLeaf(foreign), der(foreign.certificatePem)];
    const appended = await verifyAttestationChain({
      x5c: foreignChain,
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
    });
    expect(appended.trusted).toBe(false);
  });

  it('trusts nothing when no root is configured', async () => {
    const result = await verifyAttestationChain({ x5c: [leaf], trustedRootsPem: [], now: NOW });
    expect(result.trusted).toBe(false);
  });

  it('refuses an expired or not yet valid leaf', async () => {
    const fiveYearsOn = NOW + 6 * 365 * DAY;
    const expired = await verifyAttestationChain({
      x5c: [leaf],
      trustedRootsPem: [ca.certificatePem],
      now: fiveYearsOn,
    });
    expect(expired).toEqual({ trusted: false, reason: 'certificate #0: expired' });
    const early = await verifyAttestationChain({
      x5c: [leaf],
      trustedRootsPem: [ca.certificatePem],
      now: NOW - DAY,
    });
    expect(early).toEqual({ trusted: false, reason: 'certificate #0: not yet valid' });
  });

  it('refuses leaves past the expiry of the root (issuance caps them there)', async () => {
    const oldRoot = await createSimulatorRootCa({ now: NOW - 10 * 365.25 * DAY + DAY });
    const oldLeaf = await issueLeaf(oldRoot, NOW - 2 * DAY);
    const run = (now: number) =>
      verifyAttestationChain({ x5c: [oldLeaf], trustedRootsPem: [oldRoot.certificatePem], now });
    expect((await run(NOW)).trusted).toBe(true);
    expect(await run(NOW + 2 * DAY)).toEqual({ trusted: false, reason: 'certificate #0: expired' });
  });

  it('refuses a tampered certificate (subject altered after signing)', async () => {
    const tampered = Buffer.from(leaf);
    const at = tampered.indexOf('KEYRA ONE Simulator');
    expect(at).toBeGreaterThan(0);
    tampered.write('X', at);
    const result = await verifyAttestationChain({
      x5c: [tampered],
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
    });
    expect(result).toEqual({ trusted: false, reason: 'chain does not lead to a trusted root' });
  });

  it('refuses a flipped signature bit, malformed bytes and an empty x5c', async () => {
    const flipped = Buffer.from(leaf);
    flipped[flipped.length - 3]! ^= 0x01;
    const run = (x5c: Buffer[]) =>
      verifyAttestationChain({ x5c, trustedRootsPem: [ca.certificatePem], now: NOW });
    expect((await run([flipped])).trusted).toBe(false);
    expect(await run([Buffer.from('not a certificate')])).toEqual({
      trusted: false,
      reason: 'malformed certificate in x5c',
    });
    expect((await run([])).reason).toMatch(/self attestation/);
    expect((await run([leaf, leaf, leaf, leaf, leaf, leaf])).reason).toMatch(/too long/);
  });

  it('refuses a trusted root presented as the leaf', async () => {
    const result = await verifyAttestationChain({
      x5c: [der(ca.certificatePem)],
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
    });
    expect(result.trusted).toBe(false);
  });

  it('throws on a malformed trusted root: that is configuration, not input', async () => {
    await expect(
      verifyAttestationChain({ x5c: [leaf], trustedRootsPem: ['nonsense'], now: NOW }),
    ).rejects.toThrow(/trusted root #0/);
  });

  describe('with intermediates', () => {
    let rootKeys: Keys;
    let rootPem: string;
    let interKeys: Keys;
    let leafKeys: Keys;

    beforeAll(async () => {
      [rootKeys, interKeys, leafKeys] = await Promise.all([newKeys(), newKeys(), newKeys()]);
      const sign = x509.KeyUsageFlags.keyCertSign;
      rootPem = pemOf(
        await certificate({
          subject: 'CN=Root',
          keys: rootKeys,
          ca: true,
          pathLength: 1,
          keyUsage: sign,
        }),
      );
    });

    const intermediate = (extra: Partial<Parameters<typeof certificate>[0]> = {}) =>
      certificate({
        subject: 'CN=Intermediate',
        issuer: { name: 'CN=Root', keys: rootKeys },
        keys: interKeys,
        ca: true,
        keyUsage: x509.KeyUsageFlags.keyCertSign,
        ...extra,
      });
    const leafUnder = (issuer: string, keys: Keys) =>
      certificate({
        subject: 'CN=Leaf',
        issuer: { name: issuer, keys },
        keys: leafKeys,
        ca: false,
      });
    const run = (x5c: Buffer[], roots = [rootPem]) =>
      verifyAttestationChain({ x5c, trustedRootsPem: roots, now: NOW });

    it('trusts leaf → intermediate → root', async () => {
      const result = await run([
        await leafUnder('CN=Intermediate', interKeys),
        await intermediate(),
      ]);
      expect(result.trusted).toBe(true);
    });

    it('refuses a chain whose root has expired, even with the rest still valid', async () => {
      const expiredRootPem = pemOf(
        await certificate({
          subject: 'CN=Root',
          keys: rootKeys,
          ca: true,
          keyUsage: x509.KeyUsageFlags.keyCertSign,
          notAfter: NOW - 1000,
        }),
      );
      const result = await run(
        [await leafUnder('CN=Intermediate', interKeys), await intermediate()],
        [expiredRootPem],
      );
      expect(result).toEqual({ trusted: false, reason: 'trusted root: expired' });
    });

    it('refuses an intermediate that is not a CA', async () => {
      const result = await run([
        await leafUnder('CN=Intermediate', interKeys),
        await intermediate({ ca: false }),
      ]);
      expect(result).toEqual({ trusted: false, reason: 'certificate #0: issuer is not a CA' });
      const noConstraints = await run([
        await leafUnder('CN=Intermediate', interKeys),
        await intermediate({ ca: null }),
      ]);
      expect(noConstraints.trusted).toBe(false);
    });

    it('refuses an intermediate without keyCertSign', async () => {
      const result = await run([
        await leafUnder('CN=Intermediate', interKeys),
        await intermediate({ keyUsage: x509.KeyUsageFlags.digitalSignature }),
      ]);
      expect(result.reason).toBe('certificate #0: issuer may not sign certificates');
    });

    it('refuses a leaf that is itself a CA', async () => {
      const caLeaf = await certificate({
        subject: 'CN=Leaf',
        issuer: { name: 'CN=Root', keys: rootKeys },
        keys: leafKeys,
        ca: true,
      });
      expect((await run([caLeaf])).reason).toBe('leaf certificate is a CA');
    });

    it('refuses a path longer than the root allows (the simulator root allows none)', async () => {
      // The simulator root has pathLen 0: a device cannot mint intermediates under it.
      const simulatorKeys = await newKeys();
      const sub = await certificate({
        subject: 'CN=Sub',
        issuer: { name: 'CN=Root', keys: rootKeys },
        keys: simulatorKeys,
        ca: true,
        pathLength: 0,
      });
      const subSub = await certificate({
        subject: 'CN=SubSub',
        issuer: { name: 'CN=Sub', keys: simulatorKeys },
        keys: interKeys,
        ca: true,
      });
      const result = await run([await leafUnder('CN=SubSub', interKeys), subSub, sub]);
      expect(result.reason).toBe('certificate #1: issuer path length exceeded');
    });

    it('refuses a certificate with an unknown critical extension', async () => {
      const critical = new x509.Extension('1.2.3.4.5', true, Buffer.from([0x05, 0x00]));
      const result = await run([
        await leafUnder('CN=Intermediate', interKeys),
        await intermediate({ critical }),
      ]);
      expect(result.reason).toBe('certificate #1: unsupported critical extension 1.2.3.4.5');
    });
  });
});
