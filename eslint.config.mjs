// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', 'coverage/**', 'bin/**', '*.config.js', '*.config.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // Workflows run in Temporal's deterministic sandbox: only domain/ and the workflow SDK may be imported.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities/*', '../db/*', '../storage/*', '../api/*', '../worker/*', '../dev/*'],
              allowTypeImports: true,
              message: 'Workflows import only domain/ and @temporalio/workflow.',
            },
            {
              group: [
                'mongoose',
                'fs',
                'node:*',
                'express',
                '@temporalio/client',
                '@temporalio/worker',
                'csv-parse',
                'yauzl',
              ],
              message: 'No I/O in workflows.',
            },
          ],
        },
      ],
    },
  },
);
