/**
 * `@keyra/server`: the HTTP application and how to run it. `buildApp` never listens (tests and
 * tools such as scripts/openapi.mjs drive it in process); `startServer` is what `keyra serve` runs.
 */
export { buildApp, API_VERSION, type BuildAppOptions, type RouteEntry } from './app.js';
export { loadConfig, type ServerConfig } from './config.js';
export { startServer } from './startServer.js';
