import { isKeyraError, KeyraError, type Recording, type SpeechAnalysing } from '@keyra/core';
import type { VoiceEngine } from './createVoiceEngine.js';

/**
 * Starts analysing a decoded recording (the 16 kHz samples first, then the rest); a failure of
 * the analysis itself is a 502 to retry, in both stages.
 */
export function analyseRecording(
  engine: Pick<VoiceEngine, 'analyze'>,
  recording: Recording,
): SpeechAnalysing {
  const stages = engine.analyze(recording.decoded);
  const pcm16k = stages.pcm16k.catch(asProcessingError);
  pcm16k.catch(() => undefined);
  return { pcm16k, result: stages.result.catch(asProcessingError) };
}

function asProcessingError(cause: unknown): never {
  if (isKeyraError(cause)) throw cause;
  throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Analysing the audio failed; retry.', {
    cause,
  });
}
