import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { agentHome, type JsonMembersTarget } from '../connectTargets';
import { DEFAULT_OPENAI_MODEL, shellQuote, TOKEN_ENV } from '../setupText';

const opencodeFile: JsonMembersTarget<'opencode'> = {
  id: 'opencode',
  title: 'opencode: the keybridge provider in opencode.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'XDG_CONFIG_HOME', '.config'), 'opencode', 'opencode.json'),
  homeVariable: 'XDG_CONFIG_HOME',
  seed: '{}\n',
  objectPath: ['provider'],
  values: (ctx) => ({
    keybridge: {
      npm: '@ai-sdk/openai-compatible',
      name: 'KeyBridge',
      options: { baseURL: ctx.baseUrls.openai, apiKey: ctx.token },
      models: { [DEFAULT_OPENAI_MODEL]: {} },
    },
  }),
};

export const opencode = defineAgent({
  id: 'opencode',
  title: 'opencode',
  extensions: [],
  cli: 'opencode',
  files: [opencodeFile],
  settings: [],
  choices: [{ targets: ['opencode'], label: 'opencode: ~/.config/opencode/opencode.json', detail: 'a keybridge provider (model keybridge/gpt-4.1)' }],
  setup: (ctx) => {
    const model = ctx.openaiModel ?? DEFAULT_OPENAI_MODEL;
    const config = {
      $schema: 'https://opencode.ai/config.json',
      provider: {
        keybridge: {
          npm: '@ai-sdk/openai-compatible',
          name: 'KeyBridge',
          options: { baseURL: ctx.baseUrls.openai, apiKey: `{env:${TOKEN_ENV}}` },
          models: { [model]: {} },
        },
      },
      model: `keybridge/${model}`,
    };
    return {
      title: 'opencode',
      where: 'opencode.json (project) or ~/.config/opencode/opencode.json, plus the token in your shell',
      text: `${JSON.stringify(config, null, 2)}\n\n# shell\nexport ${TOKEN_ENV}=${shellQuote(ctx.token)}`,
    };
  },
  userAgent: /opencode/i,
});
