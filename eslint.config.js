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
    // The console is plain browser JavaScript served as is.
    files: ['apps/console/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
