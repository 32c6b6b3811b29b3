import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { VoiceStore } from './voiceRecords.js';

/** What is enrolled for a wallet, without the template itself or the hash. */
export interface VoiceEnrollmentSummary {
  wallet: string;
  method: 'voice' | 'legacy_hash';
  /** Only for `voice`: the projection, the API's params version and the speaker model's version. */
  projectionId: string | null;
  paramsVersion: string | null;
  modelVersion: string | null;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/**
 * The enrolment of one wallet in a scope: its voice template, else its legacy hash, described by
 * metadata only (a viewer may read it; the template and the hash never leave storage). A wallet
 * with neither is `VOICE_TEMPLATE_NOT_FOUND`.
 */
export async function findVoiceEnrollment(
  scope: Scope,
  wallet: string,
  store: Pick<VoiceStore, 'findTemplate' | 'findLegacyHash'>,
): Promise<VoiceEnrollmentSummary> {
  const template = await store.findTemplate(scope, wallet);
  if (template) {
    return {
      wallet,
      method: 'voice',
      projectionId: template.projectionId,
      paramsVersion: template.paramsVersion,
      modelVersion: template.modelVersion,
      createdAt: template.createdAt,
      updatedAt: template.updatedAt,
    };
  }
  const legacy = await store.findLegacyHash(scope, wallet);
  if (legacy) {
    return {
      wallet,
      method: 'legacy_hash',
      projectionId: null,
      paramsVersion: null,
      modelVersion: null,
      createdAt: legacy.createdAt,
      updatedAt: legacy.updatedAt,
    };
  }
  throw new KeyraError('VOICE_TEMPLATE_NOT_FOUND', `Nothing is enrolled for wallet ${wallet}.`);
}
