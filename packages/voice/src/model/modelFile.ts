import type { SpeakerThresholds } from '../speakerModel.js';
import type { ClassicalParams } from './classicalParams.js';
import type { ClassicalConfig } from './trainClassical.js';

/** The committed model JSON (`packages/voice/model/classical-mfcc-gmm-v1.json`). */
export interface ModelFile {
  format: 'keyra-voice-model';
  version: 'v1';
  kind: 'classical-mfcc-gmm';
  /** `classical-mfcc-gmm-v1-` + the first 12 hex digits of `paramsSha256`. */
  paramsVersion: string;
  featureSpec: Record<string, string | number>;
  config: ClassicalConfig;
  training: {
    data: string;
    attribution: string;
    files: number;
    speakers: number;
    seed: number;
  };
  thresholds: SpeakerThresholds;
  /** Held-out figures measured while training (see docs/voice-model.md). */
  heldOut: Record<string, number | string>;
  /** SHA-256 (hex) of `JSON.stringify(params)`. */
  paramsSha256: string;
  params: ClassicalParams;
}
