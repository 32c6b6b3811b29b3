import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', '.keyra/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-console': 'off',
    },
  },
  {
    // The server trusts devices through @keyra/attestation; the simulator is only ever its client.
    files: ['packages/server/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@keyra/device',
              message:
                'The server must not depend on the simulator: import attestation code from @keyra/attestation.',
            },
          ],
          patterns: [
            {
              group: ['@keyra/device/*'],
              message: 'The server must not depend on the simulator.',
            },
          ],
        },
      ],
    },
  },
  {
    // Routes are schema → one core call → JSON mapper: state changes, their transaction and the
    // events they emit live in core verbs (see packages/core/src/challenges/verifyChallenge.ts).
    files: ['packages/server/src/routes/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='transaction']",
          message:
            'No transactions in route files: put it in a core verb (packages/core/src/<capability>/) that the route calls once.',
        },
        {
          selector:
            'ImportSpecifier[imported.name=/^(recordEvent|queueDeliveries)$/], MemberExpression[property.name=/^(recordEvent|queueDeliveries)$/]',
          message:
            'No event recording in route files: put it in a core verb that writes the event inside its transaction.',
        },
      ],
    },
  },
  {
    // @keyra/storage is a devDependency of core for its tests (real SQLite); core itself only
    // sees the storage port.
    files: ['packages/core/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@keyra/storage', message: 'Core depends on the Storage port only.' }],
        },
      ],
    },
  },
  {
    // The console is plain browser JavaScript served as is.
    files: ['apps/console/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
