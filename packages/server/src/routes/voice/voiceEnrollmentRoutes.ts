import { findVoiceEnrollment, formatTimestamp, type Storage } from '@keyra/core';
import { EnrollmentParams, EnrollmentStatus } from '@keyra/contract';
import type { FastifyInstance } from 'fastify';
import { ERROR_RESPONSES } from '../errorResponses.js';
import { scopeOf } from '../scopeOf.js';

export interface VoiceEnrollmentRoutesOptions {
  storage: Storage;
}

/**
 * `GET /api/v1/enrollments/:wallet`: what is enrolled for a wallet (the console's voice view). It
 * needs no speech engine, so it lives apart from `voiceRoutes`.
 */
export async function voiceEnrollmentRoutes(
  app: FastifyInstance,
  options: VoiceEnrollmentRoutesOptions,
): Promise<void> {
  app.get<{ Params: EnrollmentParams }>(
    '/api/v1/enrollments/:wallet',
    {
      schema: {
        operationId: 'getVoiceEnrollment',
        tags: ['Voice'],
        summary:
          'What is enrolled for a wallet: method, projection, versions and dates (never the template).',
        params: EnrollmentParams,
        response: { 200: EnrollmentStatus, ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<EnrollmentStatus> => {
      const found = await findVoiceEnrollment(
        scopeOf(request),
        request.params.wallet,
        options.storage.voice,
      );
      return {
        wallet: found.wallet,
        method: found.method,
        projection_id: found.projectionId,
        params_version: found.paramsVersion,
        model_version: found.modelVersion,
        created_at: formatTimestamp(found.createdAt),
        updated_at: formatTimestamp(found.updatedAt),
      };
    },
  );
}
