import {
  newId,
  proofSha256,
  stampClaims,
  systemRandom,
  type RandomBytes,
  type StampIssuer,
  type TenantStore,
} from '@keyra/core';
import type { ServerProofSigner } from '../approval/createProofSigner.js';
import type { EasConfig } from '../config.js';
import type { EasAttester } from './createEasAttester.js';

export interface StampIssuerDeps {
  tenants: TenantStore;
  signer: ServerProofSigner;
  /** Null when the optional EAS packages are not installed: stamps then carry no off-chain attestation. */
  attester: EasAttester | null;
  eas: EasConfig;
  random?: RandomBytes;
}

/** Plans whose stamps are mirrored on chain when a chain is configured. */
const MIRRORED_PLANS = new Set(['production', 'scale']);

/**
 * Issues stamps: the signed receipt, its EAS off-chain attestation, and the on-chain mirror queued
 * (`pending`) for tenants on the Production or Scale plan when a chain is configured — production
 * environment only, unless `KEYRA_EAS_MIRROR_SANDBOX` is on.
 */
export function createStampIssuer(deps: StampIssuerDeps): StampIssuer {
  const random = deps.random ?? systemRandom;
  return {
    async issue(scope, subject, now) {
      const issuedAt = Math.floor(now / 1000) * 1000;
      const id = newId('stamp', random);
      const sha = proofSha256(subject.proof);
      const fields = { proofSha256: sha, issuedAt, method: subject.method };
      const signature = await deps.signer.signStamp(
        stampClaims(deps.signer.issuer(), {
          id,
          proofSha256: sha,
          issuedAt,
          method: subject.method,
          environment: scope.environment,
        }),
        now,
      );
      const offchain = deps.attester ? await deps.attester.attest(fields) : null;
      const chain = deps.eas.chain;
      let mirror = false;
      if (chain && deps.attester && (scope.environment === 'production' || chain.mirrorSandbox)) {
        const tenant = await deps.tenants.findById(scope.tenantId);
        mirror = tenant !== null && MIRRORED_PLANS.has(tenant.plan);
      }
      return {
        id,
        tenantId: scope.tenantId,
        environment: scope.environment,
        subjectId: subject.subjectId,
        method: subject.method,
        proofSha256: sha,
        issuedAt,
        signature,
        offchain,
        chainStatus: mirror ? 'pending' : 'none',
        chainAttempts: 0,
        chainNextAttemptAt: mirror ? issuedAt : null,
        chainLeaseUntil: null,
        chainId: mirror ? deps.eas.chainId : null,
        chainTxHash: null,
        chainUid: null,
        chainError: null,
        chainConfirmedAt: null,
      };
    },
  };
}
