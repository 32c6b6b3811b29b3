/** Why the neural speaker model could not be loaded. */
export type NeuralModelErrorCode =
  /** No model file at the configured path (or no path configured). */
  | 'NEURAL_MODEL_MISSING'
  /** No expected SHA-256 was given, so the file cannot be trusted. */
  | 'NEURAL_MODEL_NOT_PINNED'
  /** The file's SHA-256 differs from the expected one. */
  | 'NEURAL_MODEL_HASH_MISMATCH'
  /** onnxruntime could not load the file, or its inputs/outputs are not the WeSpeaker signature. */
  | 'NEURAL_MODEL_INVALID';

/**
 * Error thrown by `loadNeuralModel`. These are deployment mistakes, raised at boot, never
 * answers to untrusted input; the message says how to fix them.
 */
export class NeuralModelError extends Error {
  override readonly name = 'NeuralModelError';
  readonly code: NeuralModelErrorCode;

  constructor(code: NeuralModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
