// The layer boundaries of docs/ARCHITECTURE.md §1. The core has no exceptions; test/unit/layerRules.test.ts
// checks that these rules refuse an import across a layer, so a loosened pattern cannot pass unnoticed.
//
// no-restricted-imports does not resolve paths, so the patterns match the import as written: a core
// module is reached as `./name` from src/core and `../name` from its folders.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const ARCHITECTURE = 'see docs/ARCHITECTURE.md §1';

// A core folder (`keys`) or top-level module (`engine`), reached relatively from inside src/core.
const core = (name) => `^(\\.{1,2}/)+${name}(/|$)`;

const forbid = (names, why, { allowTypeImports = false } = {}) =>
    names.map((name) => ({ regex: core(name), message: `${why} (${ARCHITECTURE}).`, allowTypeImports }));

const noVscode = { name: 'vscode', message: `Only src/vscode/ and src/extension.ts may import vscode (${ARCHITECTURE}).` };

// The core is composed by the hosts, never the other way round.
const noHosts = [{
    regex: '^(\\.\\./)+(vscode|cli|extension)(/|$)',
    message: `src/core never imports the CLI or the VS Code glue (${ARCHITECTURE}).`,
}];

// ESLint does not merge the options of one rule across config objects (the last match wins), so each
// group states its whole list.
const restrict = (...patternLists) => ({
    '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [...noHosts, ...patternLists.flat()] }],
});

const FOLDERS_ABOVE_LEAVES = ['keys', 'protocols', 'translation', 'failover', 'upstream', 'continuation', 'routing', 'attempts', 'server', 'usage', 'notices'];
const TOP = ['engine', 'bridge', 'state'];

// `require('vscode')` and `import('vscode')` are not imports to no-restricted-imports.
const noVscodeAtRuntime = ['error',
    { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: noVscode.message },
    { selector: "ImportExpression[source.value='vscode']", message: noVscode.message },
];

export default defineConfig(
    { ignores: ['dist/', 'out/', 'node_modules/', 'test-results/', '.vscode-test/', '.stryker-tmp/', 'reports/'] },
    {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { '@typescript-eslint': tseslint.plugin },
        rules: {
            '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode] }],
            'no-restricted-syntax': noVscodeAtRuntime,
        },
    },
    {
        files: ['src/vscode/**', 'src/extension.ts', 'test/vscode*/**'],
        rules: { '@typescript-eslint/no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
    },
    // Type-checked strict rules for all of src/: what the compiler cannot say (a condition that is always true, a
    // floating promise, an object stringified as [object Object]). Two idioms the code relies on stay allowed:
    // numbers in template strings, and `return answer(...)` as an early exit from a request handler.
    ...tseslint.configs.strictTypeChecked.map((config) => ({ ...config, files: ['src/**/*.ts'] })),
    {
        files: ['src/**/*.ts'],
        languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
        rules: {
            '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
            '@typescript-eslint/no-confusing-void-expression': 'off',
        },
    },
    // A disable comment in the core that no longer suppresses anything fails, so none outlives its reason.
    { linterOptions: { reportUnusedDisableDirectives: 'off' } },
    { files: ['src/core/**/*.ts'], linterOptions: { reportUnusedDisableDirectives: 'error' }, rules: restrict() },
    // 1. Leaves import no other part of the core.
    {
        files: ['src/core/{cancel,clock,secrets,config,configSchema,emitter,logger,logLine}.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES, ...TOP], 'A leaf of the core imports no other part of it')),
    },
    // status.ts describes the snapshot the engine builds from key health and the breakers: types only,
    // which the compiler erases, so it adds no dependency at run time.
    {
        files: ['src/core/status.ts'],
        rules: restrict(
            forbid(['keys', 'failover'], 'status.ts takes only types from keys/ and failover/', { allowTypeImports: true }),
            forbid(['protocols', 'upstream', 'continuation', 'routing', 'server', ...TOP], 'A leaf of the core imports no other part of it'),
        ),
    },
    // Our conversation model and the provider dialects are leaves too: the protocols' readers and writers use them.
    {
        files: ['src/core/{conversation,providers}/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES, ...TOP], 'conversation/ and providers/ import only the leaves of the core')),
    },
    // 2. Key health and the protocols' wire facts sit on the leaves only.
    {
        files: ['src/core/keys/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'keys'), ...TOP], 'keys/ imports only the leaves of the core')),
    },
    {
        files: ['src/core/protocols/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'protocols'), ...TOP], 'protocols/ imports only the leaves of the core')),
    },
    // Translation between protocols maps shapes only: the protocols' wire facts and the leaves, no I/O.
    {
        files: ['src/core/translation/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'protocols' && f !== 'translation'), ...TOP], 'translation/ imports only protocols/ and the leaves')),
    },
    // 3. The failover policy is pure decisions (classification, breaker, what to do next): no I/O below it.
    {
        files: ['src/core/failover/**/*.ts'],
        rules: restrict(forbid(['upstream', 'continuation', 'routing', 'attempts', 'server', 'usage', ...TOP], 'failover/ (the policy) imports only keys/, protocols/ and the leaves')),
    },
    // 4. The upstream plumbing asks the policy how to read an error, and knows nothing above it.
    {
        files: ['src/core/upstream/**/*.ts'],
        rules: restrict(forbid(['continuation', 'routing', 'attempts', 'server', 'usage', ...TOP], 'upstream/ imports only failover/, keys/, protocols/ and the leaves')),
    },
    // 5. Continuation is pure: protocols, upstream and the leaves.
    {
        files: ['src/core/continuation/**/*.ts'],
        rules: restrict(forbid(['keys', 'failover', 'routing', 'attempts', 'server', 'usage', ...TOP], 'continuation/ imports only protocols/, upstream/ and the leaves')),
    },
    // 6. Routing is a lookup.
    {
        files: ['src/core/routing/**/*.ts'],
        rules: restrict(forbid(['failover', 'upstream', 'continuation', 'attempts', 'server', 'usage', ...TOP], 'routing/ imports nothing above it')),
    },
    // 7. The engine holds the pools, breakers and key marking; it does not know the attempts that use it.
    {
        files: ['src/core/engine/**/*.ts', 'src/core/state.ts'],
        rules: restrict(forbid(['attempts', 'server', 'bridge', 'usage'], 'The engine imports neither the attempt loop, the server, the bridge nor the usage store')),
    },
    // 8. The attempt loop works on the engine's pools and breakers and answers through the protocols.
    {
        files: ['src/core/attempts/**/*.ts'],
        rules: restrict(forbid(['server', 'bridge'], 'attempts/ imports neither the server nor the bridge')),
    },
    // Connect Agents edits the agents' own files (text in, text out, and its I/O): no other part of the core.
    {
        files: ['src/core/agents/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES, ...TOP], "agents/ edits agents' settings files and imports no other part of the core")),
    },
    // The simulated provider of `keybridge demo` stands beside the layers like agents/: a server of its own and the
    // pools a user would set up for it, built on the leaves only (the hosts compose it with the bridge).
    {
        files: ['src/core/demo/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES, ...TOP], 'demo/ simulates a provider and imports no other part of the core')),
    },
    // The usage store (records, rollups, queries, its file) is built on the leaves only: the bridge composes it and the
    // server's status API reads it, and nothing on the request path below them knows it is there.
    {
        files: ['src/core/usage/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'usage'), ...TOP], 'usage/ imports only the leaves of the core')),
    },
    // 9. The server sits under the bridge that composes it.
    { files: ['src/core/server/**/*.ts'], rules: restrict(forbid(['bridge'], 'server/ does not import the bridge that composes it')) },
);
