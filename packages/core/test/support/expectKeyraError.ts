import { expect } from 'vitest';
import { KeyraError, type ErrorCode } from '../../src/index.js';

/** Awaits `promise`, expects it to fail with a {@link KeyraError} of `code`, and returns the error. */
export async function expectKeyraError(
  promise: Promise<unknown>,
  code: ErrorCode,
): Promise<KeyraError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(KeyraError);
  expect((error as KeyraError).code, (error as KeyraError).message).toBe(code);
  return error as KeyraError;
}
