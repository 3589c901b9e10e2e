import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import LAYERS from './layers.json' with { type: 'json' };

/**
 * The layers, lowest first (layers.json: JSON so that the lint, the
 * generator of docs/architecture.md and jest all read the same list). A file
 * may import from its own layer and the layers below it, never from a layer
 * above: data files -> config -> model (validated, no rendering) -> render
 * (pure functions of the model) -> compile (builds the model from the files' texts, renders what
 * the model implies, validates it all) -> constructs -> stacks (wiring only)
 * -> app -> edge (bin, scripts). Nothing outside test/ imports test/. docs/architecture.md
 * shows the layers and their imports, generated from this list and the code
 * (npm run docs:architecture).
 */
const layerZones = LAYERS.flatMap((layer, i) => {
  const above = LAYERS.slice(i + 1);
  return layer.paths.flatMap((target) => [
    ...(above.length > 0
      ? [
          {
            target: `./${target}`,
            from: above.flatMap((l) => l.paths.map((p) => `./${p}`)),
            message: `the ${layer.name} layer may not import from the layers above it (${above.map((l) => l.name).join(', ')}); see docs/architecture.md`,
          },
        ]
      : []),
    {
      target: `./${target}`,
      from: './test',
      // The native harness of scripts/bench (shared with test/e2e) checks the collector against its contract.
      except: layer.name === 'edge' ? ['./contracts'] : [],
      message: 'only test/ imports test/ (scripts may read the facts in test/contracts/)',
    },
  ]);
});

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
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
    files: ['lib/**/*.ts', 'bin/**/*.ts', 'scripts/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            ...layerZones,
            // The CDK entry point shares the edge layer with the npm commands, not with the tools beside them.
            {
              target: './bin',
              from: ['./scripts/bench', './scripts/scale', './scripts/cost'],
              message: 'the CDK entry point builds the app; benchmarks, scale runs and cost estimates are tools, not product',
            },
            ...['./lib/constructs', './lib/stacks'].map((target) => ({
              target,
              from: './lib/compile',
              message: 'constructs and stacks receive the model as typed props; only the app and scripts compile it',
            })),
          ],
        },
      ],
    },
  },
  {
    // The base, config, model, render and compile layers are functions of text (issue 30): reading the
    // project is lib/io's work, at the edge.
    files: ['lib/*.ts', 'lib/http/**/*.ts', 'lib/config/**/*.ts', 'lib/model/**/*.ts', 'lib/render/**/*.ts', 'lib/compile/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'].map((name) => ({
            name,
            message: 'the model, its renderers and compile() read no file: take text (ProjectFiles); readProject in lib/io reads the disk',
          })),
        },
      ],
    },
  },
  {
    // Lambda code: bundled by esbuild into the function, run by the Lambda runtime.
    files: ['lib/constructs/*/handler/**/*.ts', 'lib/constructs/*/handler.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'Lambda handler code runs without CDK' }] },
      ],
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
