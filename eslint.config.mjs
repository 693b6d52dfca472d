// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

/** Packages that do I/O: neither workflows (deterministic sandbox) nor domain/ (pure) may import them. */
const IO_PACKAGES = [
  'mongoose',
  'fs',
  'node:*',
  'express',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  'csv-parse',
  'csv-stringify',
  'yauzl',
  'yazl',
];

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
  // Layering (docs/architecture.md): each layer may import only what sits below it.
  {
    // Workflows run in Temporal's deterministic sandbox: only domain/ and the workflow SDK may be imported
    // (activity *types* are fine: proxyActivities needs them, and type imports vanish from the bundle).
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/**', '**/activities'],
              allowTypeImports: true,
              message: 'Workflows import only domain/ and @temporalio/workflow (activity types are allowed).',
            },
            {
              group: ['**/db/**', '**/storage/**', '**/api/**', '**/worker/**', '**/dev/**', '**/cli/**'],
              message: 'Workflows import only domain/ and @temporalio/workflow.',
            },
            {
              group: IO_PACKAGES,
              message: 'No I/O in workflows.',
            },
          ],
        },
      ],
    },
  },
  {
    // domain/ is pure and shared by every layer: no I/O, and nothing from the layers above it.
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/activities/**',
                '**/workflows/**',
                '**/db/**',
                '**/storage/**',
                '**/api/**',
                '**/worker/**',
                '**/dev/**',
                '**/cli/**',
              ],
              message: 'domain/ is pure: it imports nothing from the other layers.',
            },
            {
              group: [...IO_PACKAGES, 'pino'],
              message: 'domain/ does no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    // The API starts and queries workflows; it never runs activities itself.
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/activities/**', '**/activities', '**/worker/**', '**/dev/**'],
              message: 'api/ never imports activities/, worker/ or dev/.',
            },
          ],
        },
      ],
    },
  },
);
