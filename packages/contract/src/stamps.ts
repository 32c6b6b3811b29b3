import { Type, type Static } from '@sinclair/typebox';
import { Timestamp } from './common.js';

export const StampId = Type.String({
  pattern: '^stp_[0-9A-Za-z]{4,64}$',
  description: 'Stamp id, `stp_…`.',
  examples: ['stp_4Qm9xT2bLw8RkZ1yV7nC3pHd'],
});

const Hex32 = Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' });
const Address = Type.String({ pattern: '^0x[0-9a-fA-F]{40}$' });

export const StampOnchain = Type.Object(
  {
    status: Type.Union(
      [Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('failed')],
      {
        description: 'pending (queued, submitted or retrying) → confirmed | failed.',
      },
    ),
    chain_id: Type.Integer(),
    tx_hash: Type.Union([Type.String(), Type.Null()], {
      description: 'The attestation transaction, once submitted.',
    }),
    uid: Type.Union([Hex32, Type.Null()], {
      description: 'The on-chain attestation UID once confirmed.',
    }),
    attempts: Type.Integer({ minimum: 0 }),
    last_error: Type.Union([Type.String(), Type.Null()]),
    confirmed_at: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
);

export const EasOffchainAttestation = Type.Object(
  {
    sig: Type.Record(Type.String(), Type.Unknown(), {
      description:
        "EAS `SignedOffchainAttestation` (version 2, EIP-712): `domain`, `primaryType`, `types`, `message`, `signature`, `uid`; integers as decimal strings. Verify with the EAS SDK's `Offchain.verifyOffchainAttestationSignature`.",
    }),
    signer: Address,
  },
  { additionalProperties: false },
);

export const Stamp = Type.Object(
  {
    object: Type.Literal('stamp'),
    stamp_id: StampId,
    proof_sha256: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description: "SHA-256 (hex) of the proof's compact JWS.",
    }),
    issued_at: Timestamp,
    method: Type.Union(
      [
        Type.Literal('device'),
        Type.Literal('passkey'),
        Type.Literal('voice'),
        Type.Literal('audit_checkpoint'),
      ],
      {
        description:
          '`audit_checkpoint`: the stamp of a signed audit checkpoint (its proof is the checkpoint JWS).',
      },
    ),
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]),
    signature: Type.String({
      description:
        'Compact JWS (ES256, `typ: keyra-stamp+jwt`) over these fields, signed with the proof keys at /.well-known/jwks.json.',
    }),
    eas: Type.Object(
      {
        schema: Type.String({ description: 'The EAS schema every stamp attests.' }),
        schema_uid: Type.Union([Hex32, Type.Null()], {
          description: 'Null only when the server runs without the optional EAS packages.',
        }),
        attester: Type.Union([Address, Type.Null()]),
        offchain: Type.Union([EasOffchainAttestation, Type.Null()], {
          description: 'Null only when the server runs without the optional EAS packages.',
        }),
        onchain: Type.Union([StampOnchain, Type.Null()], {
          description:
            'The on-chain mirror (Production and Scale plans, when the server has a chain configured); null when not mirrored.',
        }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Stamp = Static<typeof Stamp>;

export const StampParams = Type.Object({ id: Type.String() }, { additionalProperties: false });
export type StampParams = Static<typeof StampParams>;

export const StampConfig = Type.Object(
  {
    issuer: Type.String(),
    jwks_uri: Type.String(),
    eas: Type.Union([
      Type.Object(
        {
          schema: Type.String(),
          schema_uid: Hex32,
          attester: Address,
          domain: Type.Object(
            {
              name: Type.String(),
              version: Type.String(),
              chainId: Type.Integer(),
              verifyingContract: Address,
            },
            { additionalProperties: false },
          ),
          onchain: Type.Boolean({ description: 'Whether this server mirrors stamps on chain.' }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { additionalProperties: false },
);
export type StampConfig = Static<typeof StampConfig>;

const Day = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}$',
  format: 'date',
  description: 'A UTC day, `YYYY-MM-DD`.',
  examples: ['2026-11-01'],
});

export const UsageQuery = Type.Object(
  {
    from: Type.Optional(Day),
    to: Type.Optional(Day),
  },
  { additionalProperties: false },
);
export type UsageQuery = Static<typeof UsageQuery>;

const ByMethod = Type.Object(
  {
    device: Type.Integer({ minimum: 0 }),
    passkey: Type.Integer({ minimum: 0 }),
    voice: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const UsageCounts = {
  verifications: Type.Integer({ minimum: 0 }),
  credit: Type.Integer({ minimum: 0, description: 'Paid from the free credits.' }),
  overage: Type.Integer({ minimum: 0, description: "Billed on the tenant's plan." }),
  byMethod: ByMethod,
};

export const UsageReport = Type.Object(
  {
    object: Type.Literal('usage'),
    environment: Type.Union([Type.Literal('sandbox'), Type.Literal('production')]),
    from: Day,
    to: Day,
    plan: Type.Union([Type.Literal('pilot'), Type.Literal('production'), Type.Literal('scale')]),
    credits: Type.Object(
      {
        granted: Type.Integer({ minimum: 0 }),
        used: Type.Integer({ minimum: 0 }),
        remaining: Type.Integer({ minimum: 0 }),
      },
      {
        additionalProperties: false,
        description: "The tenant's free proofs, shared by both environments, all time.",
      },
    ),
    overage: Type.Integer({
      minimum: 0,
      description: 'Verifications billed beyond the free credits, both environments, all time.',
    }),
    totals: Type.Object(UsageCounts, {
      additionalProperties: false,
      description: 'This environment, from..to.',
    }),
    days: Type.Array(Type.Object({ date: Day, ...UsageCounts }, { additionalProperties: false }), {
      description: 'One bucket per UTC day from..to, including days with no usage.',
    }),
  },
  { additionalProperties: false },
);
export type UsageReport = Static<typeof UsageReport>;
