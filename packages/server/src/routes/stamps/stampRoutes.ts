import { isIdOf, KeyraError, type StampStore } from '@keyra/core';
import { ErrorBody, Stamp, StampConfig, StampParams } from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import type { ServerProofSigner } from '../../approval/createProofSigner.js';
import type { EasConfig } from '../../config.js';
import type { EasAttester } from '../../stamps/createEasAttester.js';
import { STAMP_SCHEMA } from '../../stamps/loadEas.js';
import { stampJson } from './stampJson.js';

export interface StampRoutesOptions {
  stamps: StampStore;
  signer: ServerProofSigner;
  attester: EasAttester | null;
  eas: EasConfig;
}

/**
 * Public stamp lookups (no API key: a third party checks a receipt it was given) and the stamp
 * configuration verifiers need: the issuer, the JWKS, and the EAS schema, attester and domain.
 */
export async function stampRoutes(
  app: FastifyInstance,
  options: StampRoutesOptions,
): Promise<void> {
  const { stamps, signer, attester, eas } = options;

  app.get<{ Params: StampParams }>(
    '/v1/stamps/:id',
    {
      schema: {
        operationId: 'getStamp',
        tags: ['Stamps'],
        summary: 'Retrieve a stamp (public, no API key).',
        description:
          'A stamp is a minimal receipt of a successful verification: the SHA-256 of the proof, when, and how, signed by the server, with its EAS off-chain attestation and, when mirrored, the on-chain attestation. It names no user, tenant or action.',
        security: [],
        params: StampParams,
        response: { 200: Stamp, 400: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!isIdOf('stamp', id)) {
        throw new KeyraError(
          'invalid_id',
          `${JSON.stringify(id.slice(0, 80))} is not a stamp id (stp_…).`,
        );
      }
      const record = await stamps.findById(id);
      if (!record) throw new KeyraError('stamp_not_found', `No stamp ${id}.`);
      // Confirmed stamps no longer change; pending ones do as the mirror progresses.
      reply.header(
        'Cache-Control',
        record.chainStatus === 'pending' ? 'no-cache' : 'public, max-age=300',
      );
      return stampJson(record, attester);
    },
  );

  app.get(
    '/.well-known/keyra-stamps.json',
    {
      schema: {
        operationId: 'getStampsDocument',
        tags: ['Stamps'],
        summary: 'What verifiers of stamps need: issuer, JWKS, EAS schema, attester and domain.',
        security: [],
        response: { 200: StampConfig },
      },
    },
    async (_request, reply) => {
      reply.header('Cache-Control', 'public, max-age=300');
      const issuer = signer.issuer();
      return {
        issuer,
        jwks_uri: `${issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
        eas: attester
          ? {
              schema: STAMP_SCHEMA,
              schema_uid: attester.schemaUid,
              attester: attester.address,
              domain: attester.domain,
              onchain: eas.chain !== null,
            }
          : null,
      };
    },
  );
}
