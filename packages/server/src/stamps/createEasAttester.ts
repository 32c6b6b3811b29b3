import { createSecretBox, type ServerStateStore, type StampMethod } from '@keyra/core';
import type { EasConfig } from '../config.js';
import { loadEas, STAMP_SCHEMA, STAMP_SCHEMA_REVOCABLE, type EasModules } from './loadEas.js';

/** What a stamp attests. */
export interface StampFields {
  proofSha256: string;
  /** Epoch ms, whole seconds. */
  issuedAt: number;
  method: StampMethod;
}

/** The EIP-712 domain of the off-chain attestations, as published in the stamp configuration. */
export interface EasDomain {
  name: 'EAS Attestation';
  version: string;
  chainId: number;
  verifyingContract: string;
}

/** Signs EAS off-chain attestations of stamps with the attester key. */
export interface EasAttester {
  /** The attester's Ethereum address: verifiers check an attestation's signer against it. */
  readonly address: string;
  readonly schemaUid: string;
  readonly domain: EasDomain;
  /** ABI-encoded schema data of a stamp (the same bytes on and off chain). */
  encode(fields: StampFields): string;
  /** The off-chain attestation `{sig, signer}` (EAS's shareable package form) as JSON. */
  attest(fields: StampFields): Promise<string>;
}

const ATTESTER_STATE_KEY = 'eas.attester';

/** JSON with bigints as decimal strings (EAS attestations carry uint64/uint256 fields). */
export function easJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The stamp schema's UID with no resolver: what `keyra eas register-schema` registers. */
export function stampSchemaUid(eas: EasModules): string {
  return eas.sdk.SchemaRegistry.getSchemaUID(
    STAMP_SCHEMA,
    eas.ethers.ZeroAddress,
    STAMP_SCHEMA_REVOCABLE,
  );
}

/** ABI-encodes a stamp's fields under {@link STAMP_SCHEMA}. */
export function encodeStamp(eas: EasModules, fields: StampFields): string {
  return new eas.sdk.SchemaEncoder(STAMP_SCHEMA).encodeData([
    { name: 'proofHash', type: 'bytes32', value: `0x${fields.proofSha256}` },
    { name: 'issuedAt', type: 'uint64', value: BigInt(Math.floor(fields.issuedAt / 1000)) },
    { name: 'method', type: 'string', value: fields.method },
  ]);
}

/**
 * The attester key: `KEYRA_EAS_ATTESTER_KEY`, or one generated on first use and kept sealed in the
 * database under the server secret, shared by every instance (the first writer wins).
 */
async function attesterKey(
  eas: EasModules,
  config: EasConfig,
  state: ServerStateStore,
  serverSecret: Buffer,
): Promise<string> {
  if (config.attesterKey) return config.attesterKey;
  const box = createSecretBox(serverSecret, 'eas-attester');
  const stored =
    (await state.get(ATTESTER_STATE_KEY)) ??
    (await state.putIfAbsent(
      ATTESTER_STATE_KEY,
      box.seal(eas.ethers.Wallet.createRandom().privateKey, ATTESTER_STATE_KEY),
    ));
  return box.open(stored, ATTESTER_STATE_KEY).toString('utf8');
}

/** The attester, or null when the optional EAS packages are not installed. */
export async function loadEasAttester(
  config: EasConfig,
  state: ServerStateStore,
  serverSecret: Buffer,
): Promise<EasAttester | null> {
  const eas = loadEas();
  if (!eas) return null;
  const { sdk, ethers } = eas;
  const wallet = new ethers.Wallet(await attesterKey(eas, config, state, serverSecret));
  const schemaUid = config.schemaUid ?? stampSchemaUid(eas);
  const offchain = new sdk.Offchain(
    { address: config.contract, version: config.version, chainId: BigInt(config.chainId) },
    sdk.OffchainAttestationVersion.Version2,
    new sdk.EAS(config.contract),
  );
  return {
    address: wallet.address,
    schemaUid,
    domain: {
      name: 'EAS Attestation',
      version: config.version,
      chainId: config.chainId,
      verifyingContract: ethers.getAddress(config.contract),
    },
    encode: (fields) => encodeStamp(eas, fields),
    async attest(fields) {
      const sig = await offchain.signOffchainAttestation(
        {
          schema: schemaUid,
          recipient: ethers.ZeroAddress,
          time: BigInt(Math.floor(fields.issuedAt / 1000)),
          expirationTime: 0n,
          revocable: STAMP_SCHEMA_REVOCABLE,
          refUID: sdk.ZERO_BYTES32,
          data: encodeStamp(eas, fields),
        },
        wallet,
      );
      return easJson({ sig, signer: wallet.address });
    },
  };
}
