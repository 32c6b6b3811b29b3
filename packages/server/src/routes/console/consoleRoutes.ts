import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyraError } from '@keyra/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

export interface ConsoleRoutesOptions {
  /** The folder holding the console's static files (default: the repository's `apps/console`). */
  consoleDir?: string;
  /** The `@simplewebauthn/browser` UMD bundle the playground loads (default: resolved from node_modules). */
  webAuthnBundle?: string;
  /** The folder of `@keyra/sdk`'s built ES modules, served at `/console/sdk/` (default: resolved). */
  sdkDir?: string;
}

// This file sits at packages/server/{src,dist}/routes/console/, so the repository root is five
// levels up from both the TypeScript source and the compiled output.
const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../../../apps/console/', import.meta.url));

/** The bundle is not in the package's `exports`, so it is located from the package's entry point. */
function defaultWebAuthnBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const marker = path.join('@simplewebauthn', 'browser');
  const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  return path.join(root, 'dist', 'bundle', 'index.umd.min.js');
}

/**
 * The SDK's ES module build, `dist/` (its `exports.import`). Located from its package.json:
 * `require.resolve('@keyra/sdk')` would pick the CommonJS build, which a browser cannot load.
 */
function defaultSdkDir(): string {
  const manifest = createRequire(import.meta.url).resolve('@keyra/sdk/package.json');
  return path.join(path.dirname(manifest), 'dist');
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/**
 * Scripts, styles and requests come from this server only: no inline script, no CDN, no
 * framing. The API key typed into the playground can therefore only travel to this origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function notFound(url: string): KeyraError {
  return new KeyraError('route_not_found', `No console file at ${url.split('?')[0]}.`);
}

/**
 * Reads `relative` inside `root`, refusing anything that escapes it (`..`, absolute paths,
 * encoded separators, symbolic links out of the folder) and anything that is not a plain file.
 */
async function readInside(root: string, relative: string): Promise<Buffer | null> {
  if (relative.includes('\0') || relative.includes('\\')) return null;
  const segments = relative.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..'))
    return null;
  if (segments.some((segment) => segment.startsWith('.'))) return null;
  const candidate = path.resolve(root, ...segments);
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!realFile.startsWith(realRoot + path.sep)) return null;
    if (!(await stat(realFile)).isFile()) return null;
    return await readFile(realFile);
  } catch {
    return null;
  }
}

function sendFile(reply: FastifyReply, file: string, body: Buffer): FastifyReply {
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()];
  return reply
    .header('Content-Type', type)
    .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cross-Origin-Opener-Policy', 'same-origin')
    .header('Cache-Control', 'no-cache')
    .send(body);
}

/**
 * The web console under `/console`: static HTML, JavaScript modules and CSS from `apps/console`,
 * the `@keyra/sdk` ES modules it talks to the API with (`/console/sdk/index.js`, the package's
 * own `dist`), and the WebAuthn browser helper. None of it is part of the API, so none of it is in the
 * OpenAPI document; the pages call the API like any other client, with the key the developer
 * pastes.
 */
export async function consoleRoutes(
  app: FastifyInstance,
  options: ConsoleRoutesOptions = {},
): Promise<void> {
  const consoleDir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  const assetsDir = path.join(consoleDir, 'assets');
  let webAuthnBundle = options.webAuthnBundle;
  let sdkDir = options.sdkDir;

  /** A page from the console folder: its own file, so each has the headers above. */
  const servePage =
    (file: string) =>
    async (request: { url: string }, reply: FastifyReply): Promise<FastifyReply> => {
      const body = await readInside(consoleDir, file);
      if (!body) throw notFound(request.url);
      return sendFile(reply, file, body);
    };
  // The signed-in console (the shell routes by the hash), and the playground alone, which takes a
  // pasted sandbox key and no session; the shell hosts the same page.
  app.get('/console', { schema: { hide: true } }, servePage('app.html'));
  app.get('/console/playground', { schema: { hide: true } }, servePage('index.html'));

  // Sign-in, and enrolment from an invite link (`/console/enrol#token=…`): one small page.
  const signInPage = servePage('signin.html');
  app.get('/console/sign-in', { schema: { hide: true } }, signInPage);
  app.get('/console/enrol', { schema: { hide: true } }, signInPage);

  app.get<{ Params: { '*': string } }>(
    '/console/assets/*',
    { schema: { hide: true } },
    async (request, reply) => {
      const relative = request.params['*'];
      if (!(path.extname(relative).toLowerCase() in CONTENT_TYPES)) throw notFound(request.url);
      const body = await readInside(assetsDir, relative);
      if (!body) throw notFound(request.url);
      return sendFile(reply, relative, body);
    },
  );

  // Only the compiled modules: not the declarations, source maps or anything else in the folder.
  app.get<{ Params: { '*': string } }>(
    '/console/sdk/*',
    { schema: { hide: true } },
    async (request, reply) => {
      const relative = request.params['*'];
      if (path.extname(relative) !== '.js') throw notFound(request.url);
      let body: Buffer | null = null;
      try {
        sdkDir ??= defaultSdkDir();
        body = await readInside(sdkDir, relative);
      } catch (error) {
        request.log.warn(
          { reason: (error as Error).message },
          '@keyra/sdk is not built or installed; the console cannot call the API',
        );
      }
      if (!body) throw notFound(request.url);
      return sendFile(reply, relative, body);
    },
  );

  app.get(
    '/console/vendor/simplewebauthn-browser.js',
    { schema: { hide: true } },
    async (request, reply) => {
      let body: Buffer;
      try {
        webAuthnBundle ??= defaultWebAuthnBundle();
        body = await readFile(webAuthnBundle);
      } catch (error) {
        request.log.warn(
          { reason: (error as Error).message },
          '@simplewebauthn/browser is not installed; the playground cannot run passkey ceremonies',
        );
        throw notFound(request.url);
      }
      return sendFile(reply, 'bundle.js', body);
    },
  );
}
