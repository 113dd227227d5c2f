import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { agentHome, type JsonMembersTarget } from '../connectTargets';
import { DEFAULT_OPENAI_MODEL, shellExports } from '../setupText';

// Qwen Code takes the `env` object of its settings as the lowest-priority source of variables; with these
// three it picks its OpenAI-compatible sign-in by itself (no /auth step).
const qwenSettings: JsonMembersTarget<'qwen-settings'> = {
  id: 'qwen-settings',
  title: 'Qwen Code: ~/.qwen/settings.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'QWEN_HOME', '.qwen'), 'settings.json'),
  homeVariable: 'QWEN_HOME',
  seed: '{}\n',
  objectPath: ['env'],
  values: (ctx) => ({ OPENAI_BASE_URL: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token, OPENAI_MODEL: DEFAULT_OPENAI_MODEL }),
};

export const qwenCode = defineAgent({
  id: 'qwen-code',
  title: 'Qwen Code',
  extensions: [],
  cli: 'qwen',
  files: [qwenSettings],
  settings: [],
  choices: [
    {
      targets: ['qwen-settings'],
      label: 'Qwen Code: ~/.qwen/settings.json',
      detail: 'OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_MODEL in its "env": its OpenAI-compatible sign-in, with no /auth step',
    },
  ],
  setup: (ctx) => ({
    title: 'Qwen Code',
    where: 'shell',
    text: `${shellExports({ OPENAI_BASE_URL: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token, OPENAI_MODEL: ctx.openaiModel ?? DEFAULT_OPENAI_MODEL })}\nqwen`,
  }),
  userAgent: /qwen-?code/i,
});
