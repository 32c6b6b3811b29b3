import { KeyraError } from '../errors.js';

/** The fields of a request body other than `wallet` and the deprecated hash field. */
export function fieldsBesideLegacy(body: object, legacyField: string): string[] {
  return Object.keys(body).filter((field) => field !== 'wallet' && field !== legacyField);
}

/** The deprecated hash flow takes only `wallet` and its hash: refuse any other field. */
export function refuseMixedLegacy(otherFields: readonly string[], legacyField: string): void {
  if (otherFields.length > 0) {
    throw new KeyraError(
      'validation_failed',
      `The deprecated ${legacyField} flow takes only wallet and ${legacyField}; remove ${otherFields.join(', ')}.`,
      { details: otherFields.map((field) => ({ field, issue: 'not_with_' + legacyField })) },
    );
  }
}
