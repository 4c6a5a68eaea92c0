// ESLint flat config: the recommended JavaScript and typescript-eslint rules; formatting is Prettier's job.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'protocol/pulsar/generated/', 'scripts/pbjs-wrapper.js'] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // a leading underscore marks a parameter a signature requires but the body does not use
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // the house's one-way rule: protocol/ and strategies/ know no lib/, lib/core knows no backend,
    // a backend knows no other backend, and no import circle anywhere (type-only imports count too)
    files: ['lib/**/*.ts', 'protocol/**/*.ts', 'strategies/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
      // no-cycle reads each imported file itself: with the TypeScript parser, or it skips it silently
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './lib/core',
              from: ['./lib/pulsar', './lib/kafka', './lib/backends.ts', './lib/index.ts'],
              message: 'lib/core is the façade: it knows no backend (reach one through lib/core/backend.ts)',
            },
            { target: './lib/auth', from: ['./lib/pulsar', './lib/kafka'], message: 'lib/auth is shared by every backend' },
            { target: './lib/pulsar', from: ['./lib/kafka'], message: 'a backend knows no other backend' },
            { target: './lib/kafka', from: ['./lib/pulsar'], message: 'a backend knows no other backend' },
            { target: './protocol', from: ['./lib', './strategies'], message: 'protocol/ knows bytes only' },
            { target: './strategies', from: ['./lib', './protocol'], message: 'strategies are pure functions' },
            {
              target: './protocol/compression',
              from: ['./protocol/pulsar', './protocol/kafka'],
              message: 'compression is shared by every wire',
            },
          ],
        },
      ],
    },
  },
  {
    // a scripted peer reads sub-commands by field name: loosely typed on purpose
    files: ['test/support/scripted-*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
