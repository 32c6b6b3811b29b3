import type { CohortStats, SpeakerModel, SpeakerThresholds } from '../speakerModel.js';
import type { CompiledClassicalParams } from './classicalParams.js';
import { compileParams } from './classicalParams.js';
import { classicalCohortStats, embedClassical } from './embedClassical.js';
import type { ModelFile } from './modelFile.js';

/**
 * P(narrow band) of each embedding a classical model made, for its cohort statistics (shared by
 * instances, so a copy of the model with other cohort settings scores the same embeddings).
 */
const narrowEstimates = new WeakMap<Float32Array, number>();

/**
 * The classical back end behind the `SpeakerModel` interface: MFCC statistics + LDA fused with
 * GMM-UBM MAP supervectors. `embedSync` is there for batch jobs (training, evaluation) that
 * have no event loop to protect. When the model has a channel detector, `cohortStats` includes
 * the narrow-band estimate of an embedding a classical model made (embeddings from elsewhere, e.g.
 * read back from storage, count as wideband): call it on the embedding `embed` returned, before
 * any salted projection, as the API does.
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
    const sv =
      file.params.supervector.lda?.outDim ?? file.params.ubm.components * file.params.ubm.dim;
    this.dimension = file.params.stats.outDim + sv;
  }

  embed(pcm16kMono: Float32Array): Promise<Float32Array> {
    try {
      return Promise.resolve(this.embedSync(pcm16kMono));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  embedSync(pcm16kMono: Float32Array): Float32Array {
    const { embedding, narrow } = embedClassical(pcm16kMono, this.#params);
    if (narrow > 0) narrowEstimates.set(embedding, narrow);
    return embedding;
  }

  cohortStats(embedding: Float32Array): CohortStats | null {
    if (this.#params.cohortCount === 0) return null;
    if (embedding.length !== this.dimension)
      throw new RangeError('embedding is not from this model');
    return classicalCohortStats(embedding, this.#params, narrowEstimates.get(embedding) ?? 0);
  }
}
