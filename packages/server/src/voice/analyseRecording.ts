import { isKeyraError, KeyraError, type Recording, type SpeechAnalysis } from '@keyra/core';
import type { VoiceEngine } from './createVoiceEngine.js';

/** Analyses a decoded recording; a failure of the analysis itself is a 502 to retry. */
export async function analyseRecording(
  engine: Pick<VoiceEngine, 'analyze'>,
  recording: Recording,
): Promise<SpeechAnalysis> {
  try {
    return await engine.analyze(recording.decoded);
  } catch (cause) {
    if (isKeyraError(cause)) throw cause;
    throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Analysing the audio failed; retry.', {
      cause,
    });
  }
}
