import { KeyraError } from '@keyra/core';
import type { FastifyInstance } from 'fastify';

/** A form-encoded body: each parameter once (RFC 6749 §3.2 refuses repeated parameters). */
export type FormParams = Record<string, string>;

/**
 * Makes `app` (an encapsulated context: the OAuth routes) take `application/x-www-form-urlencoded`
 * bodies and nothing else, parsed into {@link FormParams}. A repeated parameter or any other media
 * type is `invalid_request`.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      const params: FormParams = Object.create(null) as FormParams;
      for (const [name, value] of new URLSearchParams(body as string)) {
        if (Object.hasOwn(params, name)) {
          done(
            new KeyraError('invalid_request', `The parameter ${name.slice(0, 60)} is repeated.`),
            undefined,
          );
          return;
        }
        params[name] = value;
      }
      done(null, params);
    },
  );
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(
      new KeyraError(
        'invalid_request',
        'Send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded).',
      ),
      undefined,
    );
  });
}
