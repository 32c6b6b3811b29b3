/** Score thresholds of a speaker model, measured on held-out data (accept when score >= value). */
export interface SpeakerThresholds {
  /** Equal-error-rate threshold of the normalised score on 3 s vs 3 s trials. */
  eer: number;
  /** The recommended operating point of the normalised score: ~1 % false accepts on 3 s vs 3 s. */
  recommended: number;
  /** The same two points for the raw cosine (no cohort statistics). */
  rawEer: number;
  rawRecommended: number;
  /** Where these numbers come from. */
  basis: string;
}

/** Where an embedding's scores against the model's cohort sit (adaptive s-norm). */
export interface CohortStats {
  mean: number;
  sd: number;
}

/**
 * What the voice service needs from a speaker-embedding back end. The classical back end in this
 * package implements it; a neural one (e.g. WeSpeaker ResNet34 in ONNX) can sit behind the same
 * interface. Embeddings of one model are comparable only with embeddings of the same
 * `paramsVersion`.
 */
export interface SpeakerModel {
  /** Back-end family, e.g. `classical-mfcc-gmm`. */
  readonly kind: string;
  /** Pins the model parameters and the feature spec; changes whenever either changes. */
  readonly paramsVersion: string;
  /** Length of the embeddings it produces. */
  readonly dimension: number;
  /**
   * Measured operating points, or `null` when none were measured for this model (the neural back
   * end unless its user configures thresholds they measured): such a model can embed, but it must
   * not be used to accept or reject a voice.
   */
  readonly thresholds: SpeakerThresholds | null;
  /** Embeds 16 kHz mono audio in [-1, 1]. Rejects audio shorter than one 25 ms frame. */
  embed(pcm16kMono: Float32Array): Promise<Float32Array>;
  /**
   * Cohort statistics of an embedding for `scoreEmbeddings`' normalised score, or `null` when the
   * model has no cohort. Compute them on the raw embedding (before any salted projection) and
   * store them next to the template.
   */
  cohortStats(embedding: Float32Array): CohortStats | null;
}
