import { createRequire } from 'node:module';

import type * as EasSdkModule from '@ethereum-attestation-service/eas-sdk';
import type * as EthersModule from 'ethers';

export type EasSdk = typeof EasSdkModule;
export type Ethers = typeof EthersModule;

export interface EasModules {
  sdk: EasSdk;
  ethers: Ethers;
}

/** The stamp schema: what every KEYRA stamp attests, on and off chain (docs/stamps.md). */
export const STAMP_SCHEMA = 'bytes32 proofHash, uint64 issuedAt, string method';

/** Stamp attestations are revocable (a tenant may revoke one later found fraudulent). */
export const STAMP_SCHEMA_REVOCABLE = true;

export const EAS_INSTALL_HINT =
  'EAS support is an optional dependency: run `npm install` without --omit=optional (it installs ethers and @ethereum-attestation-service/eas-sdk).';

let loaded: EasModules | null | undefined;

/**
 * Loads ethers and the EAS SDK, or returns null when the optional packages are not installed.
 * The SDK is loaded with `require`: its ESM build does not load on Node 20 (a lodash named import).
 */
export function loadEas(): EasModules | null {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = {
      sdk: require('@ethereum-attestation-service/eas-sdk') as EasSdk,
      ethers: require('ethers') as Ethers,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    loaded = null;
  }
  return loaded;
}
