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
const noHosts = [
  {
    regex: '^(\\.\\./)+(vscode|cli|extension)(/|$)',
    message: `src/core never imports the CLI or the VS Code glue (${ARCHITECTURE}).`,
  },
];

// The host side of the core: what only the hosts use (the window that owns the port and the windows that follow
// it, the words the tree and status bar show, the client of VS Code's model picker). Nothing below them imports them.
const HOST_SIDE = ['ownership', 'presentation', 'languageModels'];
const noHostSide = HOST_SIDE.map((name) => ({
  regex: core(name),
  message: `Only the hosts and the host side of the core import ${name}/ (${ARCHITECTURE}).`,
}));

// ESLint does not merge the options of one rule across config objects (the last match wins), so each
// group states its whole list.
const restrictWith =
  (base) =>
  (...patternLists) => ({
    '@typescript-eslint/no-restricted-imports': ['error', { paths: [noVscode], patterns: [...base, ...patternLists.flat()] }],
  });
const restrict = restrictWith([...noHosts, ...noHostSide]);
const restrictHostSide = restrictWith(noHosts);

const FOLDERS_ABOVE_LEAVES = ['keys', 'protocols', 'translation', 'failover', 'upstream', 'continuation', 'routing', 'attempts', 'server', 'usage', 'notices'];
const TOP = ['engine', 'bridge', 'state'];

// `require('vscode')` and `import('vscode')` are not imports to no-restricted-imports.
const noVscodeAtRuntime = [
  'error',
  { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: noVscode.message },
  { selector: "ImportExpression[source.value='vscode']", message: noVscode.message },
];

// Each VS Code folder with the sibling folders it may import (`folder` or `folder/file`); any other sibling is refused.
function vscodeLayers(layers) {
  const folders = layers.map(([folder]) => folder);
  return layers.map(([folder, allowed, why]) => {
    const allowedFiles = allowed.filter((name) => name.includes('/'));
    const patterns = folders
      .filter((other) => other !== folder && !allowed.includes(other))
      .map((other) => {
        const files = allowedFiles.filter((name) => name.startsWith(`${other}/`)).map((name) => name.slice(other.length + 1));
        const except = files.length ? `(?!(${files.join('|')})$)` : '';
        return { regex: `^\\.\\./${other}(/${except}|$)`, message: `${why} (${ARCHITECTURE}).` };
      });
    return { files: [`src/vscode/${folder}/**/*.ts`], rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } };
  });
}

const TESTS = ['test/**/*.ts', 'bench/**/*.ts'];

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
  // Tests are held to the same type-checked strict rules as src/: JSON a test did not write (an answer, a recorded
  // request, an event's data) is `unknown`, narrowed with test/helpers/json.ts, which fails the test where the shape
  // is wrong, or typed with the SDK's or the core's own types; never `any`. No non-null `!` (test/helpers/must.ts or
  // assert.ok, so a missing value fails where it is missing), no unused variable (an unused `_name` is allowed, as
  // destructuring leaves out a field with it). tsconfig.json leaves test/ out, so the project service cannot find
  // these files: the two test projects type them.
  ...tseslint.configs.strictTypeChecked.map((config) => ({ ...config, files: TESTS })),
  {
    files: TESTS,
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json', './test/vscode-host/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // A fake of an async API (the fake vscode module, the secret store, a mocha hook) is async without
      // awaiting anything, as the interface it stands in for returns a promise.
      '@typescript-eslint/require-await': 'off',
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
    rules: restrict(
      forbid([...FOLDERS_ABOVE_LEAVES.filter((f) => f !== 'protocols' && f !== 'translation'), ...TOP], 'translation/ imports only protocols/ and the leaves'),
    ),
  },
  // 3. The failover policy is pure decisions (classification, breaker, what to do next): no I/O below it.
  {
    files: ['src/core/failover/**/*.ts'],
    rules: restrict(
      forbid(
        ['upstream', 'continuation', 'routing', 'attempts', 'server', 'usage', ...TOP],
        'failover/ (the policy) imports only keys/, protocols/ and the leaves',
      ),
    ),
  },
  // 4. The upstream plumbing asks the policy how to read an error, and knows nothing above it.
  {
    files: ['src/core/upstream/**/*.ts'],
    rules: restrict(
      forbid(['continuation', 'routing', 'attempts', 'server', 'usage', ...TOP], 'upstream/ imports only failover/, keys/, protocols/ and the leaves'),
    ),
  },
  // 5. Continuation is pure: protocols, upstream and the leaves.
  {
    files: ['src/core/continuation/**/*.ts'],
    rules: restrict(
      forbid(['keys', 'failover', 'routing', 'attempts', 'server', 'usage', ...TOP], 'continuation/ imports only protocols/, upstream/ and the leaves'),
    ),
  },
  // 6. Routing is a lookup.
  {
    files: ['src/core/routing/**/*.ts'],
    rules: restrict(forbid(['failover', 'upstream', 'continuation', 'attempts', 'server', 'usage', ...TOP], 'routing/ imports nothing above it')),
  },
  // 7. The engine holds the pools, breakers and key marking; it does not know the attempts that use it.
  {
    files: ['src/core/engine/**/*.ts', 'src/core/state.ts'],
    rules: restrict(
      forbid(['attempts', 'server', 'bridge', 'usage'], 'The engine imports neither the attempt loop, the server, the bridge nor the usage store'),
    ),
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
  // The host side sits on top of the bridge. ownership/ (which process holds the port, proven connections to it,
  // the admin client, the shared stop flag) may use all of the core below it.
  {
    files: ['src/core/ownership/**/*.ts'],
    rules: restrictHostSide(forbid(['presentation', 'languageModels'], 'ownership/ imports no other part of the host side')),
  },
  // presentation/ words what the status snapshot and key tests say; it reads them and runs nothing.
  {
    files: ['src/core/presentation/**/*.ts'],
    rules: restrictHostSide(
      forbid(
        ['ownership', 'languageModels', 'upstream', 'continuation', 'attempts', 'server', 'bridge', 'usage'],
        'presentation/ reads the snapshot and key verdicts only',
      ),
    ),
  },
  // languageModels/ is a client of the bridge over HTTP (through ownership/'s proven connection): it writes requests
  // and reads answers with the protocols and translation, and knows nothing of the engine behind the port.
  {
    files: ['src/core/languageModels/**/*.ts'],
    rules: restrictHostSide(
      forbid(
        ['presentation', 'keys', 'failover', 'upstream', 'continuation', 'routing', 'attempts', 'server', 'usage', ...TOP],
        'languageModels/ is a client of the bridge, not a part of it',
      ),
    ),
  },
  // The VS Code glue, by folder, lowest first. A folder imports only the folders before it in this list; the
  // features (agents, language models, dashboard, demo) do not import one another; the tree imports the agents'
  // rows and nothing else of theirs; only src/extension.ts imports commands/.
  ...vscodeLayers([
    ['shared', [], 'shared/ (disposables, log, tree context, command ids) imports no other VS Code folder'],
    ['keys', ['shared'], 'keys/ (the key store in SecretStorage) imports only shared/'],
    ['settings', ['shared', 'keys'], 'settings/ (pools, routes and presets from the settings) imports only shared/ and keys/'],
    ['host', ['shared', 'keys', 'settings'], 'host/ (the bridge in this window, or the owner it follows) imports only shared/, keys/ and settings/'],
    ['agents', ['shared', 'keys', 'settings', 'host'], 'agents/ imports no other feature'],
    ['languageModels', ['shared', 'keys', 'settings', 'host'], 'languageModels/ imports no other feature'],
    ['dashboard', ['shared', 'keys', 'settings', 'host'], 'dashboard/ imports no other feature'],
    ['demo', ['shared', 'keys', 'settings', 'host'], 'demo/ imports no other feature'],
    ['tree', ['shared', 'keys', 'settings', 'host', 'agents/agentTree'], "tree/ imports the features' rows only"],
    [
      'commands',
      ['shared', 'keys', 'settings', 'host', 'agents', 'languageModels', 'dashboard', 'demo', 'tree'],
      'commands/ imports every folder but is imported by none',
    ],
  ]),
);
