import { createRequire } from 'node:module';
import type { EasSdk } from '../../src/stamps/loadEas.js';

// The EAS SDK's own verification (loaded with require: its ESM build does not load on Node 20).
export const eas = createRequire(import.meta.url)(
  '@ethereum-attestation-service/eas-sdk',
) as EasSdk;

export interface StampBody {
  stamp_id: string;
  proof_sha256: string;
  issued_at: string;
  method: string;
  environment: string;
  signature: string;
  eas: {
    schema: string;
    schema_uid: string;
    attester: string;
    offchain: {
      sig: Parameters<InstanceType<EasSdk['Offchain']>['verifyOffchainAttestationSignature']>[1];
      signer: string;
    };
    onchain: unknown;
  };
}

/** Verifies an off-chain attestation exactly as a third party would, with the EAS SDK. */
export function easVerifies(stamp: StampBody, attester: string): boolean {
  const { sig } = stamp.eas.offchain;
  const domain = sig.domain as unknown as {
    version: string;
    chainId: string;
    verifyingContract: string;
  };
  const offchain = new eas.Offchain(
    { address: domain.verifyingContract, version: domain.version, chainId: BigInt(domain.chainId) },
    eas.OffchainAttestationVersion.Version2,
    new eas.EAS(domain.verifyingContract),
  );
  return offchain.verifyOffchainAttestationSignature(attester, sig);
}
