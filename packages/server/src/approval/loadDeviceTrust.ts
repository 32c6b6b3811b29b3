import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceTrust, Environment, SecretBox, Storage } from '@keyra/core';
import {
  createSimulatorRootCa,
  issueAttestationCertificate,
  KEYRA_ONE_ORIGIN,
  verifyAttestationChain,
  type CertificateAuthority,
} from '@keyra/attestation';
import { ConfigError } from '../config.js';

const SIMULATOR_CA_KEY = 'simulator_ca';

export interface LoadedDeviceTrust {
  trust: DeviceTrust;
  /** The simulator's root certificate (PEM), trusted in sandbox only. */
  simulatorRootPem: string;
  /** Factory provisioning for simulators (sandbox only): certifies a device attestation key. */
  issueSimulatorCertificate(
    subjectPublicKeyPem: string,
    aaguid: string,
    now: number,
  ): Promise<string>;
}

/**
 * The KEYRA ONE trust model. The simulator root CA is created on first use, its private key
 * sealed under the server secret in the database (so every instance of a cluster shares one CA),
 * and its certificate written to `DATA_DIR/simulator-root.pem` for inspection. Sandbox trusts the
 * simulator root plus the configured roots; production trusts the configured roots only
 * (`KEYRA_TRUSTED_ROOTS`: PEM files), so simulator-attested devices cannot pair there.
 */
export async function loadDeviceTrust(
  storage: Storage,
  box: SecretBox,
  options: { dataDir: string; trustedRootFiles: readonly string[]; now: number },
): Promise<LoadedDeviceTrust> {
  let stored = await storage.serverState.get(SIMULATOR_CA_KEY);
  if (stored === null) {
    const ca = await createSimulatorRootCa({ now: options.now });
    const sealed = JSON.stringify({
      certificatePem: ca.certificatePem,
      sealedPrivateKey: box.seal(ca.privateKeyPem, SIMULATOR_CA_KEY),
    });
    stored = await storage.serverState.putIfAbsent(SIMULATOR_CA_KEY, sealed);
  }
  const parsed = JSON.parse(stored) as { certificatePem: string; sealedPrivateKey: string };
  const simulatorCa: CertificateAuthority = {
    certificatePem: parsed.certificatePem,
    privateKeyPem: box.open(parsed.sealedPrivateKey, SIMULATOR_CA_KEY).toString('utf8'),
  };
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(path.join(options.dataDir, 'simulator-root.pem'), simulatorCa.certificatePem);

  const productionRoots: string[] = [];
  for (const file of options.trustedRootFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `KEYRA_TRUSTED_ROOTS: cannot read ${file} (${(error as NodeJS.ErrnoException).code}).`,
      );
    }
    const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!pems) throw new ConfigError(`KEYRA_TRUSTED_ROOTS: ${file} holds no PEM certificate.`);
    productionRoots.push(...pems);
  }
  const roots: Record<Environment, string[]> = {
    sandbox: [simulatorCa.certificatePem, ...productionRoots],
    production: productionRoots,
  };
  return {
    simulatorRootPem: simulatorCa.certificatePem,
    trust: {
      keyraOneOrigin: KEYRA_ONE_ORIGIN,
      async verifyChain(x5c, environment, now) {
        if (roots[environment].length === 0) {
          return { trusted: false, reason: `no KEYRA ONE roots are configured for ${environment}` };
        }
        return verifyAttestationChain({ x5c, trustedRootsPem: roots[environment], now });
      },
    },
    issueSimulatorCertificate(subjectPublicKeyPem, aaguid, now) {
      return issueAttestationCertificate({
        rootCa: simulatorCa,
        subjectPublicKey: subjectPublicKeyPem,
        aaguid,
        now,
      });
    },
  };
}
