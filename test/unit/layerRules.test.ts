// Guards the layer rules of docs/ARCHITECTURE.md §1 themselves: `npm run lint` is only worth its green if the
// configuration refuses an import that breaks a layer. Each case lints a one-line module placed in a layer,
// with the project's own eslint.config.mjs, and checks the layer rule's verdict.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const root = join(__dirname, '..', '..', '..');
const LAYER_RULE = '@typescript-eslint/no-restricted-imports';

async function layerErrors(file: string, specifier: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(`import * as imported from '${specifier}';\nexport const used = imported;\n`, { filePath: join(root, file) });
  return result.messages.filter((message) => message.ruleId === LAYER_RULE || message.fatal).map((message) => message.message);
}

const refused: [string, string, string][] = [
  ['src/core/failover/policy.ts', '../engine/engine', 'the policy reaching up to the engine'],
  ['src/core/failover/classify.ts', '../upstream/upstreamClient', 'the policy doing I/O'],
  ['src/core/upstream/sseRelay.ts', '../attempts/attempt', 'the relay reaching up to the attempt plumbing'],
  ['src/core/protocols/openai.ts', '../upstream/headers', 'a wire fact depending on the plumbing'],
  ['src/core/keys/keyPool.ts', '../routing/router', 'key health depending on routing'],
  ['src/core/translation/targetTranslation.ts', '../upstream/upstreamClient', 'a translator doing I/O'],
  ['src/core/conversation/conversation.ts', '../protocols/wire', 'our conversation model depending on a wire format'],
  ['src/core/engine/engine.ts', '../attempts/attemptLoop', 'the engine knowing the loop that uses it'],
  ['src/core/attempts/exhaustion.ts', '../server/respond', 'the loop reaching up to the server'],
  ['src/core/server/proxyServer.ts', '../bridge', 'the server knowing the bridge that composes it'],
  ['src/core/config.ts', './keys/keyHealth', 'a leaf importing the core'],
  ['src/core/engine/engine.ts', 'vscode', 'the core importing the editor'],
  ['src/core/bridge.ts', '../vscode/host/bridgeHost', 'the core importing a host'],
  ['src/cli.ts', 'vscode', 'the headless bridge importing the editor'],
  ['src/core/bridge.ts', './ownership/portClaim', 'the bridge knowing the windows that hold it'],
  ['src/core/engine/engine.ts', '../presentation/keyPresentation', "the engine depending on the tree's words"],
  ['src/core/presentation/keyPresentation.ts', '../server/security', 'the words reaching into the server'],
  ['src/core/languageModels/lmRequest.ts', '../engine/engine', "the model picker's client reaching behind the port"],
  ['src/vscode/keys/keyStore.ts', '../host/bridgeHost', 'the key store depending on the host above it'],
  ['src/vscode/host/bridgeHost.ts', '../commands/commandServices', 'the host depending on the commands'],
  ['src/vscode/agents/agentTree.ts', '../languageModels/offeredModels', 'one feature reaching into another'],
  ['src/vscode/tree/keyTree.ts', '../agents/agentConnections', "the tree reaching past the agents' rows"],
];

const allowed: [string, string][] = [
  ['src/core/upstream/sseRelay.ts', '../failover/classify'],
  ['src/core/attempts/attemptLoop.ts', '../engine/engine'],
  ['src/core/server/proxyServer.ts', '../attempts/attemptLoop'],
  ['src/core/protocols/anthropic.ts', './sse'],
  ['src/core/protocols/openaiChat/requestWriter.ts', '../../providers/dialect'],
  ['src/vscode/host/bridgeHost.ts', 'vscode'],
  ['src/vscode/host/bridgeHost.ts', '../keys/storedKey'],
  ['src/vscode/tree/keyTree.ts', '../agents/agentTree'],
  ['src/vscode/commands/commands.ts', '../agents/connectCommands'],
  ['src/core/languageModels/lmBridgeClient.ts', '../ownership/provenConnection'],
  ['src/core/ownership/hostState.ts', '../bridge'],
];

describe('layer rules (eslint.config.mjs)', function () {
  // Loading ESLint and the TypeScript parser takes a few seconds on a cold machine.
  this.timeout(60_000);

  for (const [file, specifier, what] of refused) {
    it(`refuses ${what}: ${file} → ${specifier}`, async () => {
      const errors = await layerErrors(file, specifier);
      assert.equal(errors.length, 1, `expected one layer error, got: ${JSON.stringify(errors)}`);
      assert.match(errors[0], /ARCHITECTURE\.md §1/);
    });
  }

  for (const [file, specifier] of allowed) {
    it(`allows ${file} → ${specifier}`, async () => {
      assert.deepEqual(await layerErrors(file, specifier), []);
    });
  }
});
