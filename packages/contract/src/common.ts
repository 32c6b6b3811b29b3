import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from '@keyra/core';

/** `{code, message, details?}`: the body of every error response. */
export const ErrorBody = Type.Object(
  {
    code: Type.Union(
      ERROR_CODES.map((code) => Type.Literal(code)),
      { description: 'Stable machine-readable code; see docs/errors.md.' },
    ),
    message: Type.String({
      description: 'Human-readable explanation, with the fix when there is one.',
    }),
    details: Type.Optional(
      Type.Unknown({ description: 'Structured context, e.g. the failing fields.' }),
    ),
  },
  { additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

/** RFC 3339 UTC timestamp, e.g. `2026-05-29T18:42:00Z`. */
export const Timestamp = Type.String({ format: 'date-time', examples: ['2026-05-29T18:42:00Z'] });
