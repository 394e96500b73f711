// Lints the plugin's TypeScript and the repository's Node scripts. Run by `npm test` (npm run lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', '.nx/', '.tools/', 'coverage/', 'packages/nx-helm/src/generators/*/files/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // Unused arguments named with a leading underscore document an interface without using all of it.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Modules that only some commands need are loaded on demand, with require, to keep the CLI's start-up short.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // The libraries that parse charts are loaded once, through utils/lazy-modules: a require in a function that runs
    // per chart or per field resolves the module again on each call in Nx's plugin workers.
    files: ['packages/nx-helm/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'packages/nx-helm/src/utils/lazy-modules.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='require'][arguments.0.value=/^(yaml|semver)(\\/|$)/]",
          message: 'Load yaml and semver through utils/lazy-modules (or import them at the top of the module).',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
);
