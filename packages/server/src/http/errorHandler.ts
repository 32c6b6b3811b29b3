import { KeyraError } from '@keyra/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyUnavailable } from './isDependencyUnavailable.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fieldName(part: string | undefined, issue: ValidationIssue): string {
  const pointer = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = issue.keyword === 'required' ? String(issue.params.missingProperty) : '';
  const extra =
    issue.keyword === 'additionalProperties' ? String(issue.params.additionalProperty) : '';
  const field = [pointer, missing || extra].filter(Boolean).join('.');
  return part === 'body' ? field || '(body)' : `${part ?? 'request'}${field ? `.${field}` : ''}`;
}

/**
 * A union of literals fails once per branch (`must be equal to constant`, n times): say it once,
 * naming the values allowed, as `enum` does (`must be one of: pending, approved, …`).
 */
function allowedValues(issues: ValidationIssue[]): ValidationIssue[] {
  const merged: ValidationIssue[] = [];
  const byPath = new Map<string, ValidationIssue>();
  for (const issue of issues) {
    if (issue.keyword !== 'const' && issue.keyword !== 'enum') {
      merged.push(issue);
      continue;
    }
    const values =
      issue.keyword === 'const'
        ? [issue.params.allowedValue]
        : ((issue.params.allowedValues as unknown[] | undefined) ?? []);
    const existing = byPath.get(issue.instancePath);
    const allowed = [
      ...((existing?.params.allowedValues as unknown[] | undefined) ?? []),
      ...values,
    ];
    const combined: ValidationIssue = {
      keyword: 'enum',
      instancePath: issue.instancePath,
      params: { allowedValues: allowed },
      message: `must be one of: ${allowed.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join(', ')}`,
    };
    if (existing) merged[merged.indexOf(existing)] = combined;
    else merged.push(combined);
    byPath.set(issue.instancePath, combined);
  }
  return merged;
}

/** Maps a schema failure to `unknown_field` or `validation_failed`, listing every failing field. */
function fromValidation(error: FastifyError): KeyraError {
  const part = error.validationContext;
  const issues = (error.validation ?? []) as ValidationIssue[];
  const unknown = issues.filter((issue) => issue.keyword === 'additionalProperties');
  if (unknown.length > 0) {
    const fields = unknown.map((issue) => fieldName(part, issue));
    return new KeyraError(
      'unknown_field',
      `Unknown field${fields.length > 1 ? 's' : ''}: ${fields.join(', ')}. Remove ${fields.length > 1 ? 'them' : 'it'}; see /docs for the accepted fields.`,
      {
        details: fields.map((field) => ({ field, issue: 'unknown_field' })),
      },
    );
  }
  // `anyOf`/`if` wrappers repeat what their branches already said.
  const useful = issues.filter((issue) => !['anyOf', 'oneOf', 'if'].includes(issue.keyword));
  const details = allowedValues(useful.length > 0 ? useful : issues).map((issue) => ({
    field: fieldName(part, issue),
    issue: issue.keyword,
    message: issue.message ?? 'is invalid',
    ...(issue.keyword === 'enum' ? { allowed: issue.params.allowedValues } : {}),
  }));
  const first = details[0];
  return new KeyraError(
    'validation_failed',
    first ? `Invalid request: ${first.field} ${first.message}.` : 'Invalid request.',
    { details },
  );
}

/**
 * Turns any error into the coded `{code, message, details?}` body; an unreachable database becomes
 * a 503 with `Retry-After`, and only true bugs become 500s.
 */
export function toKeyraError(error: FastifyError | Error): KeyraError {
  if (error instanceof KeyraError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return fromValidation(fastifyError);
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new KeyraError('payload_too_large', 'The request body is too large.', {
        cause: error,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new KeyraError(
        'unsupported_media_type',
        'Send the body as JSON with `Content-Type: application/json`.',
        {
          cause: error,
        },
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new KeyraError('invalid_json', 'The body is not valid JSON.', { cause: error });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new KeyraError(
        'validation_failed',
        'The Content-Length header does not match the body.',
        { cause: error },
      );
    default:
      break;
  }
  // Fastify's JSON parser raises a plain SyntaxError with statusCode 400; its prototype-poisoning
  // guard raises a 400 as well.
  if (
    error instanceof SyntaxError ||
    (fastifyError.statusCode === 400 && /JSON|prototype|constructor/i.test(error.message))
  ) {
    return new KeyraError('invalid_json', 'The body is not valid JSON.', { cause: error });
  }
  if (fastifyError.statusCode === 413)
    return new KeyraError('payload_too_large', 'The request body is too large.');
  if (fastifyError.statusCode === 415) {
    return new KeyraError(
      'unsupported_media_type',
      'Send the body as JSON with `Content-Type: application/json`.',
    );
  }
  if (
    fastifyError.statusCode !== undefined &&
    fastifyError.statusCode >= 400 &&
    fastifyError.statusCode < 500
  ) {
    return new KeyraError('validation_failed', error.message, { cause: error });
  }
  if (isDependencyUnavailable(error)) {
    return new KeyraError(
      'service_unavailable',
      'The database is unavailable; retry with backoff.',
      { cause: error, headers: { 'Retry-After': '1' } },
    );
  }
  return new KeyraError(
    'internal_error',
    'An unexpected error occurred. It has been logged; retry with backoff.',
    {
      cause: error,
    },
  );
}

export async function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const keyraError = toKeyraError(error);
  if (keyraError.status >= 500) {
    request.log.error(
      {
        err: { type: error.name, message: error.message, stack: error.stack },
        code: keyraError.code,
      },
      'request failed',
    );
  } else {
    // The cause explains refusals (e.g. why a key was rejected) to operators, never to clients.
    // Only reason codes are logged: parser messages can quote the body.
    const cause = keyraError.cause;
    const reason = typeof cause === 'string' ? cause : (cause as FastifyError | undefined)?.code;
    request.log.info({ code: keyraError.code, reason }, 'request refused');
  }
  await reply.status(keyraError.status).headers(keyraError.headers).send(keyraError.toJSON());
}
