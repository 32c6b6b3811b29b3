import type { Plan, Tenant, TenantStore } from '@keyra/core';
import { describe, expect, it } from 'vitest';
import type { ServerProofSigner } from '../src/approval/createProofSigner.js';
import { loadConfig } from '../src/config.js';
import { createStampIssuer } from '../src/stamps/createStampIssuer.js';
import type { EasAttester } from '../src/stamps/createEasAttester.js';

// Which stamps are queued for the chain. The signer, attester and tenant store are stand-ins: the
// real ones are covered by stamps.test.ts and e2e/stampsChain.test.ts.
const signer = {
  issuer: () => 'http://keyra.test',
  signStamp: async () => 'jws',
} as unknown as ServerProofSigner;
const attester = { attest: async () => '{"sig":{},"signer":"0x1"}' } as unknown as EasAttester;
const tenants = (plan: Plan) =>
  ({
    findById: async (id: string): Promise<Tenant> => ({
      id,
      name: 't',
      createdAt: 0,
      plan,
      freeCredits: 1000,
    }),
  }) as unknown as TenantStore;
const chainEnv = {
  KEYRA_EAS_RPC_URL: 'http://127.0.0.1:8545',
  KEYRA_EAS_CHAIN_ID: '31337',
  KEYRA_EAS_CONTRACT: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
  KEYRA_EAS_VERSION: '1.4.0',
  KEYRA_EAS_SCHEMA_UID: `0x${'ab'.repeat(32)}`,
  KEYRA_EAS_SIGNER_KEY: 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
};
const subject = { subjectId: 'chl_1', method: 'device' as const, proof: 'a.b.c' };

async function chainStatus(
  plan: Plan,
  environment: 'sandbox' | 'production',
  env: NodeJS.ProcessEnv,
) {
  const { eas } = loadConfig({ database: 'sqlite::memory:' }, env);
  const issuer = createStampIssuer({ tenants: tenants(plan), signer, attester, eas });
  const stamp = await issuer.issue({ tenantId: 'ten_1', environment }, subject, 1_700_000_000_123);
  expect(stamp.issuedAt).toBe(1_700_000_000_000);
  return [stamp.chainStatus, stamp.chainId];
}

describe('on-chain mirroring decision', () => {
  it('mirrors production stamps of Production and Scale tenants when a chain is configured', async () => {
    expect(await chainStatus('production', 'production', chainEnv)).toEqual(['pending', 31337]);
    expect(await chainStatus('scale', 'production', chainEnv)).toEqual(['pending', 31337]);
  });
  it('not for pilots, not without a chain, not sandbox unless asked', async () => {
    expect(await chainStatus('pilot', 'production', chainEnv)).toEqual(['none', null]);
    expect(await chainStatus('scale', 'production', {})).toEqual(['none', null]);
    expect(await chainStatus('scale', 'sandbox', chainEnv)).toEqual(['none', null]);
    expect(
      await chainStatus('scale', 'sandbox', { ...chainEnv, KEYRA_EAS_MIRROR_SANDBOX: 'true' }),
    ).toEqual(['pending', 31337]);
  });
});

describe('EAS configuration', () => {
  it('fails fast naming what a chain still needs', () => {
    expect(() => loadConfig({}, { KEYRA_EAS_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(
      /also needs KEYRA_EAS_CHAIN_ID, KEYRA_EAS_CONTRACT, KEYRA_EAS_VERSION, KEYRA_EAS_SCHEMA_UID, KEYRA_EAS_SIGNER_KEY/,
    );
    expect(() => loadConfig({}, { ...chainEnv, KEYRA_EAS_SIGNER_KEY: 'nope' })).toThrow(
      /KEYRA_EAS_SIGNER_KEY must be a 32-byte/,
    );
    expect(() => loadConfig({}, { ...chainEnv, KEYRA_EAS_RPC_URL: 'ftp://x' })).toThrow(
      /http\(s\) URL/,
    );
    expect(() => loadConfig({}, { KEYRA_EAS_CONTRACT: '0x12' })).toThrow(/contract address/);
    expect(() => loadConfig({}, { KEYRA_EAS_SCHEMA_UID: '0x12' })).toThrow(/schema UID/);
  });
  it('defaults the off-chain domain to Ethereum mainnet EAS 0.26', () => {
    expect(loadConfig({}, {}).eas).toMatchObject({
      chainId: 1,
      contract: '0xA1207F3BBa224E2c9c3c6D5aF63D0eb1582Ce587',
      version: '0.26',
      chain: null,
      attesterKey: null,
    });
  });
});
