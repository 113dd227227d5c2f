import { defineAgent } from '../agentSpec';

/** Not an agent but a client library: nothing to detect or write, a setup text and its requests told apart. */
export const openaiSdk = defineAgent({
  id: 'openai-sdk',
  title: 'OpenAI SDK',
  extensions: [],
  files: [],
  settings: [],
  choices: [],
  setup: (ctx) => ({
    title: 'OpenAI SDK (Python, Node)',
    where: 'your code',
    text: [
      `# Python`,
      `from openai import OpenAI`,
      `client = OpenAI(base_url="${ctx.baseUrls.openai}", api_key="${ctx.token}")`,
      ``,
      `// Node`,
      `import OpenAI from "openai";`,
      `const client = new OpenAI({ baseURL: "${ctx.baseUrls.openai}", apiKey: "${ctx.token}" });`,
    ].join('\n'),
  }),
  userAgent: /^OpenAI\//,
});
