import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { checkAuthenticationResponse } from '../../src/credentials/checkAuthenticationResponse.js';

// Differential tests: every assertion below, genuine or mutated, is judged by our checker and by
// @simplewebauthn/server's verifyAuthenticationResponse with the options KEYRA uses; both must
// agree. Mutations are re-signed with the credential's key, so each check decides on its own
// rather than the signature catching everything.

const RP_ID = 'localhost';
const ORIGIN = 'https://keyra-one.local';
const CHALLENGE = Buffer.alloc(32, 7).toString('base64url');
const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url');

interface Credential {
  id: string;
  cose: Uint8Array;
  sign(data: Buffer): Buffer;
}

function es256Credential(): Credential {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]),
  );
  return { id: b64(Buffer.alloc(16, 1)), cose, sign: (data) => sign('sha256', data, privateKey) };
}

function ed25519Credential(): Credential {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, Buffer.from(jwk.x!, 'base64url')],
    ]),
  );
  return {
    id: b64(Buffer.alloc(16, 2)),
    cose,
    sign: (data) => sign(null, data, privateKey as KeyObject),
  };
}

interface Parts {
  clientData: Record<string, unknown>;
  rpId: string;
  flags: number;
  counter: number;
  extra?: Buffer;
}

const genuine = (): Parts => ({
  clientData: { type: 'webauthn.get', challenge: CHALLENGE, origin: ORIGIN, crossOrigin: false },
  rpId: RP_ID,
  flags: 0x05,
  counter: 7,
});

function assemble(credential: Credential, parts: Parts): AuthenticationResponseJSON {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(parts.counter);
  const authData = Buffer.concat([
    createHash('sha256').update(parts.rpId).digest(),
    Buffer.from([parts.flags]),
    counter,
    parts.extra ?? Buffer.alloc(0),
  ]);
  const clientDataJSON = Buffer.from(JSON.stringify(parts.clientData));
  const signature = credential.sign(
    Buffer.concat([authData, createHash('sha256').update(clientDataJSON).digest()]),
  );
  return {
    id: credential.id,
    rawId: credential.id,
    type: 'public-key',
    clientExtensionResults: {},
    response: {
      clientDataJSON: b64(clientDataJSON),
      authenticatorData: b64(authData),
      signature: b64(signature),
    },
  };
}

type Outcome = { accepted: true; counter: number } | { accepted: false; message: string };

async function ours(response: AuthenticationResponseJSON, cose: Uint8Array): Promise<Outcome> {
  try {
    const result = await checkAuthenticationResponse(
      response,
      { challenge: CHALLENGE, origin: ORIGIN, rpId: RP_ID },
      cose,
    );
    return result.verified
      ? { accepted: true, counter: result.newCounter }
      : { accepted: false, message: 'signature' };
  } catch (error) {
    return { accepted: false, message: (error as Error).message };
  }
}

async function library(response: AuthenticationResponseJSON, cose: Uint8Array): Promise<Outcome> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: CHALLENGE,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: { id: response.id, publicKey: new Uint8Array(cose), counter: 0 },
      requireUserVerification: true,
    });
    return result.verified
      ? { accepted: true, counter: result.authenticationInfo.newCounter }
      : { accepted: false, message: 'signature' };
  } catch (error) {
    return { accepted: false, message: (error as Error).message };
  }
}

type Case = [
  name: string,
  build: (credential: Credential) => AuthenticationResponseJSON,
  accepted: boolean,
];

const withParts = (change: (parts: Parts) => void) => (credential: Credential) => {
  const parts = genuine();
  change(parts);
  return assemble(credential, parts);
};
const withResponse =
  (change: (response: AuthenticationResponseJSON & Record<string, unknown>) => void) =>
  (credential: Credential) => {
    const response = assemble(credential, genuine()) as AuthenticationResponseJSON &
      Record<string, unknown>;
    change(response);
    return response;
  };
const flip = (text: string): string => {
  const bytes = Buffer.from(text, 'base64url');
  bytes.writeUInt8(bytes.readUInt8(bytes.length - 5) ^ 0x01, bytes.length - 5);
  return b64(bytes);
};

const cases: Case[] = [
  ['a genuine assertion', (c) => assemble(c, genuine()), true],
  ['a genuine assertion with counter 0 (no counter)', withParts((p) => (p.counter = 0)), true],
  ['cross-origin without a top origin', withParts((p) => (p.clientData.crossOrigin = true)), true],
  [
    'tokenBinding present',
    withParts((p) => (p.clientData.tokenBinding = { status: 'present' })),
    true,
  ],
  ['backup eligible and backed up', withParts((p) => (p.flags = 0x05 | 0x08 | 0x10)), true],
  ['an unknown extra client data member', withParts((p) => (p.clientData.other = 'x')), true],
  ['missing id', withResponse((r) => (r.id = '')), false],
  ['id differs from rawId', withResponse((r) => (r.rawId = b64('other'))), false],
  [
    'type is not public-key',
    withResponse((r) => ((r as { type: string }).type = 'password')),
    false,
  ],
  [
    'clientDataJSON is not a string',
    withResponse((r) => ((r.response as { clientDataJSON: unknown }).clientDataJSON = 5)),
    false,
  ],
  [
    'a registration (webauthn.create)',
    withParts((p) => (p.clientData.type = 'webauthn.create')),
    false,
  ],
  [
    'another challenge',
    withParts((p) => (p.clientData.challenge = b64(Buffer.alloc(32, 8)))),
    false,
  ],
  ['another origin', withParts((p) => (p.clientData.origin = 'https://evil.example')), false],
  [
    'a cross-origin iframe with a top origin',
    withParts((p) =>
      Object.assign(p.clientData, { crossOrigin: true, topOrigin: 'https://evil.example' }),
    ),
    false,
  ],
  ['a top origin without crossOrigin', withParts((p) => (p.clientData.topOrigin = ORIGIN)), false],
  [
    'tokenBinding with an unknown status',
    withParts((p) => (p.clientData.tokenBinding = { status: 'bogus' })),
    false,
  ],
  [
    'tokenBinding that is not an object',
    withParts((p) => (p.clientData.tokenBinding = 'present')),
    false,
  ],
  [
    'authenticatorData not base64url',
    withResponse((r) => (r.response.authenticatorData = 'not base64url!')),
    false,
  ],
  [
    'signature not base64url',
    withResponse((r) => (r.response.signature = 'not base64url!')),
    false,
  ],
  [
    'userHandle not a string',
    withResponse((r) => ((r.response as { userHandle: unknown }).userHandle = 42)),
    false,
  ],
  [
    'authenticatorData under 37 bytes',
    withResponse((r) => (r.response.authenticatorData = b64(Buffer.alloc(36)))),
    false,
  ],
  ['another relying party', withParts((p) => (p.rpId = 'evil.example')), false],
  ['user not present', withParts((p) => (p.flags = 0x04)), false],
  ['user not verified', withParts((p) => (p.flags = 0x01)), false],
  ['backed up but not backup eligible', withParts((p) => (p.flags = 0x05 | 0x10)), false],
  ['extension flag without extension data', withParts((p) => (p.flags = 0x05 | 0x80)), false],
  ['attested-data flag without credential data', withParts((p) => (p.flags = 0x05 | 0x40)), false],
  [
    'trailing bytes after authenticator data',
    withParts((p) => (p.extra = Buffer.from([1, 2, 3]))),
    false,
  ],
  [
    'a tampered signature',
    withResponse((r) => (r.response.signature = flip(r.response.signature))),
    false,
  ],
  [
    'a truncated signature',
    withResponse(
      (r) =>
        (r.response.signature = b64(
          Buffer.from(r.response.signature, 'base64url').subarray(0, 20),
        )),
    ),
    false,
  ],
  [
    'clientDataJSON swapped after signing',
    withResponse((r) => {
      const data = JSON.parse(Buffer.from(r.response.clientDataJSON, 'base64url').toString());
      r.response.clientDataJSON = b64(JSON.stringify({ ...data, extra: 1 }));
    }),
    false,
  ],
  [
    'authenticatorData counter changed after signing',
    withResponse((r) => {
      const bytes = Buffer.from(r.response.authenticatorData, 'base64url');
      bytes.writeUInt8(bytes.readUInt8(36) ^ 0x01, 36);
      r.response.authenticatorData = b64(bytes);
    }),
    false,
  ],
];

describe('checkAuthenticationResponse agrees with @simplewebauthn/server', () => {
  for (const [kind, make] of [
    ['ES256 P-256 (node:crypto path)', es256Credential],
    ['Ed25519 (library path)', ed25519Credential],
  ] as const) {
    describe(kind, () => {
      const credential = make();
      for (const [name, build, accepted] of cases) {
        it(`${accepted ? 'accepts' : 'refuses'} ${name}`, async () => {
          const response = build(credential);
          const [mine, theirs] = [
            await ours(response, credential.cose),
            await library(response, credential.cose),
          ];
          expect(theirs.accepted, `library: ${JSON.stringify(theirs)}`).toBe(accepted);
          expect(mine.accepted, `ours: ${JSON.stringify(mine)}`).toBe(accepted);
          if (mine.accepted && theirs.accepted) expect(mine.counter).toBe(theirs.counter);
          // Refused by a check (not by the signature math, where a malformed DER signature is an
          // exception in one and `false` in the other): the same check, by its message.
          if (
            !mine.accepted &&
            !theirs.accepted &&
            mine.message !== 'signature' &&
            theirs.message !== 'signature'
          )
            expect(mine.message.slice(0, 24)).toBe(theirs.message.slice(0, 24));
        });
      }
    });
  }

  it('refuses a signature by another key of the same kind', async () => {
    const signer = es256Credential();
    const other = es256Credential();
    const response = assemble(signer, genuine());
    expect((await ours(response, other.cose)).accepted).toBe(false);
    expect((await library(response, other.cose)).accepted).toBe(false);
  });

  it('uses the cached key again and still refuses a wrong signature afterwards', async () => {
    const credential = es256Credential();
    expect((await ours(assemble(credential, genuine()), credential.cose)).accepted).toBe(true);
    expect((await ours(assemble(credential, genuine()), credential.cose)).accepted).toBe(true);
    const tampered = assemble(credential, genuine());
    tampered.response.signature = flip(tampered.response.signature);
    expect((await ours(tampered, credential.cose)).accepted).toBe(false);
  });
});
