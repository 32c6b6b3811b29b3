import type { CohortStats, SpeakerModel, SpeakerThresholds } from '../speakerModel.js';
import type { CompiledClassicalParams } from './classicalParams.js';
import { compileParams } from './classicalParams.js';
import { classicalCohortStats, embedClassical } from './embedClassical.js';
import type { ModelFile } from './modelFile.js';

/**
 * The classical back end behind the `SpeakerModel` interface: MFCC statistics + LDA fused with
 * GMM-UBM MAP supervectors. `embedSync` is there for batch jobs (training, evaluation) that
 * have no event loop to protect.
 */
export class ClassicalSpeakerModel implements SpeakerModel {
  readonly kind = 'classical-mfcc-gmm';
  readonly paramsVersion: string;
  readonly dimension: number;
  readonly thresholds: SpeakerThresholds;
  readonly file: ModelFile;
  readonly #params: CompiledClassicalParams;

  constructor(file: ModelFile) {
    this.file = file;
    this.paramsVersion = file.paramsVersion;
    this.thresholds = file.thresholds;
    this.#params = compileParams(file.params);
    this.dimension = file.params.stats.outDim + file.params.ubm.components * file.params.ubm.dim;
  }

  embed(pcm16kMono: Float32Array): Promise<Float32Array> {
    try {
      return Promise.resolve(this.embedSync(pcm16kMono));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  embedSync(pcm16kMono: Float32Array): Float32Array {
    return embedClassical(pcm16kMono, this.#params);
  }

  cohortStats(embedding: Float32Array): CohortStats | null {
    if (this.#params.cohortCount === 0) return null;
    if (embedding.length !== this.dimension)
      throw new RangeError('embedding is not from this model');
    return classicalCohortStats(embedding, this.#params);
  }
}
