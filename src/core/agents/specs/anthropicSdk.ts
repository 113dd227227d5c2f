import { defineAgent } from '../agentSpec';

/** Not an agent but a client library: nothing to detect or write, a setup text and its requests told apart. */
export const anthropicSdk = defineAgent({
  id: 'anthropic-sdk',
  title: 'Anthropic SDK',
  extensions: [],
  files: [],
  settings: [],
  choices: [],
  setup: (ctx) => ({
    title: 'Anthropic SDK (Python, Node)',
    where: 'your code',
    text: [
      `# Python`,
      `from anthropic import Anthropic`,
      `client = Anthropic(base_url="${ctx.baseUrls.anthropic}", api_key="${ctx.token}")`,
      ``,
      `// Node`,
      `import Anthropic from "@anthropic-ai/sdk";`,
      `const client = new Anthropic({ baseURL: "${ctx.baseUrls.anthropic}", apiKey: "${ctx.token}" });`,
    ].join('\n'),
  }),
  userAgent: /^Anthropic\//,
});
