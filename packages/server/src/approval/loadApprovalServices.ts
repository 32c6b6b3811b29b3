import { createSecretBox, type DeviceTrust, type RelyingParty, type Storage } from '@keyra/core';
import type { ServerConfig } from '../config.js';
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
  await ensureSigningKey(storage.signingKeys, keysBox, now);
  const loaded = await loadDeviceTrust(storage, createSecretBox(serverSecret, 'simulator-ca'), {
    dataDir: config.dataDir,
    trustedRootFiles: config.trustedRootFiles,
    now,
  });
  return {
    rp: {
      id: config.dev ? 'localhost' : config.relyingParty.id,
      name: config.relyingParty.name,
      origins: config.relyingParty.origins,
      allowLocalhostOrigins: config.dev,
    },
    trust: loaded.trust,
    // Read at signing time: with --port 0 the real port is known only after listening.
    signer: createProofSigner(storage.signingKeys, keysBox, () => config.publicUrl),
    simulator: loaded,
  };
}
