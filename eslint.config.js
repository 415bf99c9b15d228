// @ts-check
// `npm run lint` (with the dependency rules, .dependency-cruiser.cjs); in .ci/run after the typecheck.
// typescript-eslint's type-checked recommended rules on the product code (src, hardware, electron);
// tests and benchmarks are typechecked but not linted (they poke at internals on purpose).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist*/', 'migrations/', 'packaging/', 'test-results/', 'bin/', 'data/', 'tests/', 'bench/', '*.config.*', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // PosApi, the ports and fastify handlers are async by contract: an async method without an await is how they return a promise.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore marks a parameter or a destructured part left out on purpose (`{ token: _t, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      // React event handlers may be async: the component catches and shows what fails; elsewhere a promise passed for a void callback stays an error.
      // Its fixes disagree with tsc here: it removed assertions tsc needs (noUncheckedIndexedAccess, narrowed lets), breaking the typecheck.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
);
