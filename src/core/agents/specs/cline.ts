import { defineAgent } from '../agentSpec';
import { DEFAULT_OPENAI_MODEL } from '../setupText';

/** Where Cline and Roo Code (a fork of Cline, the same settings pages) are pointed instead of a file Connect writes. */
export const LM_API_INSTEAD =
  'keeps its settings in its own storage: choose its "VS Code LM API" provider and a KeyBridge model (KeyBridge offers its routes in VS Code\'s model picker), or use Copy Agent Setup for its OpenAI Compatible page';

export const cline = defineAgent({
  id: 'cline',
  title: 'Cline',
  extensions: ['saoudrizwan.claude-dev'],
  files: [],
  settings: [],
  choices: [],
  instead: LM_API_INSTEAD,
  // One text for both: Roo Code's settings page is Cline's.
  setup: (ctx) => ({
    title: 'Cline / Roo Code',
    where: 'the extension’s settings page (API Provider)',
    text: [
      `API Provider: OpenAI Compatible`,
      `Base URL: ${ctx.baseUrls.openai}`,
      `API Key: ${ctx.token}`,
      `Model ID: ${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
      ``,
      `or, for Claude models:`,
      `API Provider: Anthropic`,
      `Use custom base URL: ${ctx.baseUrls.anthropic}`,
      `API Key: ${ctx.token}`,
    ].join('\n'),
  }),
});
