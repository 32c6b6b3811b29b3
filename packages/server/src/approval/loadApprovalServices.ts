import {
  createSecretBox,
  type DeviceTrust,
  type RelyingParty,
  type StampIssuer,
  type Storage,
} from '@keyra/core';
import { loadEasAttester, type EasAttester } from '../stamps/createEasAttester.js';
import { createStampIssuer } from '../stamps/createStampIssuer.js';
import { ConfigError, type ServerConfig } from '../config.js';
import {
  createProofSigner,
  ensureSigningKey,
  type ServerProofSigner,
} from './createProofSigner.js';
import { loadDeviceTrust, type LoadedDeviceTrust } from './loadDeviceTrust.js';

export interface ApprovalServices {
  rp: RelyingParty;
  trust: DeviceTrust;
  signer: ServerProofSigner;
  /** Issues stamps for approvals that asked for one and for voice verifications. */
  stamps: StampIssuer;
  /** The EAS off-chain attester, or null when the optional EAS packages are not installed. */
  attester: EasAttester | null;
  simulator: Pick<LoadedDeviceTrust, 'issueSimulatorCertificate' | 'simulatorRootPem'>;
}

/** Wires the relying party, KEYRA ONE trust and the proof signer from config and the database. */
export async function loadApprovalServices(
  storage: Storage,
  serverSecret: Buffer,
  config: ServerConfig,
  now: number,
): Promise<ApprovalServices> {
  const keysBox = createSecretBox(serverSecret, 'signing-keys');
  const active = await ensureSigningKey(storage.signingKeys, keysBox, now);
  let loaded;
  try {
    keysBox.open(active.sealedPrivateJwk, active.kid);
    loaded = await loadDeviceTrust(storage, createSecretBox(serverSecret, 'simulator-ca'), {
      dataDir: config.dataDir,
      trustedRootFiles: config.trustedRootFiles,
      now,
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    // AES-GCM authentication failed: this instance's secret is not the one the database's
    // secrets were sealed with (typically a second instance with its own data directory).
    throw new ConfigError(
      'The database holds secrets sealed with a different server secret. Every instance sharing a database must use the same KEYRA_SECRET (or the same DATA_DIR/server-secret file): copy it from the first instance.',
    );
  }
  // Read at signing time: with --port 0 the real port is known only after listening.
  const signer = createProofSigner(
    storage.signingKeys,
    keysBox,
    () => config.publicUrl,
    config.proofTtlSeconds,
  );
  const attester = await loadEasAttester(config.eas, storage.serverState, serverSecret);
  return {
    rp: {
      id: config.dev ? 'localhost' : config.relyingParty.id,
      name: config.relyingParty.name,
      origins: config.relyingParty.origins,
      allowLocalhostOrigins: config.dev,
    },
    trust: loaded.trust,
    signer,
    stamps: createStampIssuer({ tenants: storage.tenants, signer, attester, eas: config.eas }),
    attester,
    simulator: loaded,
  };
}
