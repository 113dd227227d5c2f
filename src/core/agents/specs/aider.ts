import { defineAgent } from '../agentSpec';
import { DEFAULT_OPENAI_MODEL, shellExports } from '../setupText';

export const aider = defineAgent({
  id: 'aider',
  title: 'Aider',
  extensions: [],
  cli: 'aider',
  files: [],
  settings: [],
  choices: [],
  instead: 'reads OPENAI_API_BASE and OPENAI_API_KEY, which new VS Code terminals already carry',
  setup: (ctx) => ({
    title: 'Aider',
    where: 'shell',
    text: `${shellExports({ OPENAI_API_BASE: ctx.baseUrls.openai, OPENAI_API_KEY: ctx.token })}\naider --model openai/${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
  }),
});
