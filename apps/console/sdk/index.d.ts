// The console imports @keyra/sdk as `../sdk/index.js`: the server serves the SDK's built ES
// modules at /console/sdk/ (packages/server/src/routes/console/consoleRoutes.ts). This file
// gives the console's type check (apps/console/tsconfig.json) the same module's declarations.
export * from '@keyra/sdk';
