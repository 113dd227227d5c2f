// The layer boundaries of docs/ARCHITECTURE.md §1, and nothing else yet: the rule set stays small
// so it is green today, and new violations fail while the known exceptions are listed at their sites
// (eslint-disable-next-line ... -- known layer exception).
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

const FOLDERS_ABOVE_LEAVES = ['keys', 'protocols', 'upstream', 'continuation', 'routing', 'failover', 'server'];
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
    // A known layer exception that a refactor removes leaves its disable comment behind: fail on it, so
    // the list at the sites stays the true list. (Elsewhere a disable may wait for a rule set to come.)
    { linterOptions: { reportUnusedDisableDirectives: 'off' } },
    { files: ['src/core/**/*.ts'], linterOptions: { reportUnusedDisableDirectives: 'error' }, rules: restrict() },
    // 1. Leaves import no other part of the core.
    {
        files: ['src/core/{clock,secrets,config,emitter,logger,logLine}.ts'],
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
    // 2. Key health and the protocols' wire facts sit on the leaves only.
    {
        files: ['src/core/keys/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'keys'), ...TOP], 'keys/ imports only the leaves of the core')),
    },
    {
        files: ['src/core/protocols/**/*.ts'],
        rules: restrict(forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'protocols'), ...TOP], 'protocols/ imports only the leaves of the core')),
    },
    // 3. The upstream plumbing knows nothing of the policy above it.
    {
        files: ['src/core/upstream/**/*.ts'],
        rules: restrict(forbid(['continuation', 'routing', 'failover', 'server', ...TOP], 'upstream/ imports only keys/, protocols/ and the leaves')),
    },
    // 4. Continuation is pure: protocols, upstream and the leaves.
    {
        files: ['src/core/continuation/**/*.ts'],
        rules: restrict(forbid(['keys', 'routing', 'failover', 'server', ...TOP], 'continuation/ imports only protocols/, upstream/ and the leaves')),
    },
    // 5. Routing is a lookup; failover is the policy and the loop, below the engine and the server.
    {
        files: ['src/core/routing/**/*.ts'],
        rules: restrict(forbid(['failover', 'continuation', 'server', ...TOP], 'routing/ imports nothing above it')),
    },
    {
        files: ['src/core/failover/**/*.ts'],
        rules: restrict(forbid(['server', ...TOP], 'failover/ imports neither the engine nor the server')),
    },
    // 6. The engine and the server sit under the bridge; the engine does not know the server.
    { files: ['src/core/engine.ts'], rules: restrict(forbid(['server', 'bridge'], 'The engine imports neither the server nor the bridge')) },
    { files: ['src/core/server/**/*.ts'], rules: restrict(forbid(['bridge'], 'server/ does not import the bridge that composes it')) },
);
