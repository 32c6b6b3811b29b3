import { checkPhrase } from '@keyra/asr';
import type { SpeechEngine } from '@keyra/core';
import { analyseRecording } from './analyseRecording.js';
import type { VoiceEngine } from './createVoiceEngine.js';
import { decodeRecording } from './loadAudio.js';
import { scoreSpeaker } from './scoreSpeaker.js';

/**
 * The core speech port over a {@link VoiceEngine}: decoding with the API's checks, analysis, the
 * phrase recognizer checked against the prompt, and {@link scoreSpeaker} with the active model's
 * thresholds.
 */
export function asSpeechEngine(engine: VoiceEngine): SpeechEngine {
  return {
    model: () => engine.model(),
    async requireRecognizer() {
      await engine.recognizer();
    },
    decode: (bytes) => decodeRecording(bytes, engine),
    analyse: (recording) => analyseRecording(engine, recording),
    async recognise(pcm16k, prompt) {
      const recognition = await engine.recognize(pcm16k, prompt.split(' ').length);
      const heard = checkPhrase(prompt, recognition.heard);
      return {
        text: recognition.text,
        matchedWords: heard.matched,
        requiredWords: heard.required,
        totalWords: heard.expected.length,
      };
    },
    async scoreSpeaker(enrolled, probe) {
      return scoreSpeaker((await engine.model()).thresholds, enrolled, probe);
    },
  };
}
