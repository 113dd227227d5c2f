// Guards which KeyBridge models VS Code's model picker lists: unset setting → one per route with a concrete
// model name; a set list → exactly those the bridge can route (a model nothing serves would fail every
// request, so it is left out and named); a repeated id is refused rather than shadowing another model.
import assert from 'node:assert/strict';
import { parseSettings } from '../../src/vscode/settings/bridgeConfig';
import { DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS } from '../../src/vscode/settings/lmModelSchema';
import { offeredModels } from '../../src/vscode/languageModels/offeredModels';

const settings = parseSettings(
  (name) =>
    ({
      pools: [
        { id: 'anthropic', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
        { id: 'openrouter', protocol: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
      ],
      routes: [
        { protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'anthropic' }, { pool: 'openrouter', model: 'anthropic/claude-sonnet-4.5' }] },
        { protocol: 'anthropic', match: 'claude-sonnet-4-5', targets: [{ pool: 'anthropic' }] },
        { protocol: 'openai', match: 'deepseek-chat', targets: [{ pool: 'openrouter', model: 'deepseek/deepseek-chat' }] },
      ],
    })[name],
).settings;

describe('offered language models', () => {
  it('offers one model per route with a concrete model name while the setting is unset', () => {
    const { models, problems } = offeredModels(undefined, settings);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      models.map((m) => [m.id, m.name, m.protocol, m.model, m.servedBy]),
      [
        // The wildcard route comes first and catches claude-sonnet-4-5 too: the tooltip says where it really goes.
        [
          'claude-sonnet-4-5',
          'claude-sonnet-4-5 (KeyBridge)',
          'anthropic',
          'claude-sonnet-4-5',
          'route claude-* → anthropic, openrouter (anthropic/claude-sonnet-4.5)',
        ],
        ['deepseek-chat', 'deepseek-chat (KeyBridge)', 'openai', 'deepseek-chat', 'route deepseek-chat → openrouter (deepseek/deepseek-chat)'],
      ],
    );
    assert.deepEqual(
      [models[0].maxInputTokens, models[0].maxOutputTokens, models[0].toolCalling, models[0].imageInput],
      [DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS, true, false],
    );
  });

  it('offers exactly the listed models that something serves, and says why the others are missing', () => {
    const { models, problems } = offeredModels(
      [
        { protocol: 'anthropic', model: 'claude-opus-4-1', name: 'Opus via KeyBridge', maxInputTokens: 200000, maxOutputTokens: 32000, imageInput: true },
        { protocol: 'openai', model: 'gpt-4.1' },
        { id: 'claude-opus-4-1', protocol: 'openai', model: 'x' },
        { protocol: 'openai' },
        'claude',
      ],
      settings,
    );
    assert.deepEqual(
      models.map((m) => [m.id, m.name, m.maxInputTokens, m.maxOutputTokens, m.imageInput, m.servedBy]),
      [
        ['claude-opus-4-1', 'Opus via KeyBridge', 200000, 32000, true, 'route claude-* → anthropic, openrouter (anthropic/claude-sonnet-4.5)'],
        ['gpt-4.1', 'gpt-4.1 (KeyBridge)', DEFAULT_MAX_INPUT_TOKENS, DEFAULT_MAX_OUTPUT_TOKENS, false, 'default openai pool openrouter'],
      ],
    );
    assert.deepEqual(problems, [
      'keybridge.languageModels[3].model is required',
      'keybridge.languageModels[4] must be an object like {"protocol": "anthropic", "model": "claude-sonnet-4-5"}',
      'keybridge.languageModels[2]: the id "claude-opus-4-1" is offered already; give it an "id" of its own',
    ]);
    assert.deepEqual(offeredModels([], settings).models, [], '[] offers none');
  });

  it('leaves out a model no route or pool serves', () => {
    const anthropicOnly = parseSettings((name) =>
      name === 'pools' ? [{ id: 'a', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' }] : undefined,
    ).settings;
    const { models, problems } = offeredModels([{ protocol: 'openai', model: 'gpt-4.1' }], anthropicOnly);
    assert.deepEqual(models, []);
    assert.deepEqual(problems, ['keybridge.languageModels[0]: no route or openai pool serves "gpt-4.1"']);
  });
});
