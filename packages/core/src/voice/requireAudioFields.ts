import { KeyraError } from '../errors.js';
import type { SpeechEngine } from './speechEngine.js';

/**
 * Checks the audio flow's fields: `projection_id` and `params_version` are both present, and
 * `params_version` is the active back end's (a template of another back end must be enrolled again).
 */
export async function requireAudioFields(
  input: { projectionId?: string | undefined; paramsVersion?: string | undefined },
  speech: Pick<SpeechEngine, 'model'>,
): Promise<{ projectionId: string; paramsVersion: string }> {
  const missing = (
    [
      ['projection_id', input.projectionId],
      ['params_version', input.paramsVersion],
    ] as const
  )
    .filter(([, value]) => value === undefined)
    .map(([field]) => field);
  if (missing.length > 0) {
    throw new KeyraError(
      'validation_failed',
      `Invalid request: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required with audio (e.g. "projection_id": "p0", "params_version": "v1").`,
      { details: missing.map((field) => ({ field, issue: 'required' })) },
    );
  }
  const paramsVersion = input.paramsVersion!;
  const accepted = (await speech.model()).paramsVersion;
  if (paramsVersion !== accepted) {
    throw new KeyraError(
      'PARAMS_VERSION_UNSUPPORTED',
      `params_version ${JSON.stringify(paramsVersion.slice(0, 32))} is not supported; this server runs ${accepted} (a template enrolled under another back end must be enrolled again).`,
    );
  }
  return { projectionId: input.projectionId!, paramsVersion };
}
