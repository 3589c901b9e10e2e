import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // Type-aware rules (no-floating-promises, no-misused-promises, ...) read the
    // TypeScript program of tsconfig.json through the project service.
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-new': 'off',
      // Dashboards, templates and API answers are JSON read as `unknown`;
      // String(value) is the intended coercion before validation names the bad value.
      '@typescript-eslint/no-base-to-string': 'off',
      // `async` without `await` is used on purpose where a throw must become a
      // rejection (verify's checks, SDK mocks).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Synthesized templates are untyped JSON: tests read them as `any`.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
