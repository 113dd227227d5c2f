import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { agentHome, type ConnectContext, type YamlListTarget } from '../connectTargets';
import { hashMarkers } from '../markedBlock';
import { DEFAULT_ANTHROPIC_MODEL, DEFAULT_OPENAI_MODEL } from '../setupText';

const CONTINUE_MODELS = { openai: 'KeyBridge (OpenAI)', anthropic: 'KeyBridge (Anthropic)' };

function continueHome(ctx: ConnectContext): string {
  return agentHome(ctx, 'CONTINUE_GLOBAL_DIR', '.continue');
}

// The VS Code extension and the `cn` CLI read the same file. Strings are written as JSON strings, which
// YAML reads as double-quoted scalars: no value can change the list's shape.
const continueConfig: YamlListTarget<'continue-config'> = {
  id: 'continue-config',
  title: 'Continue: two KeyBridge models in config.yaml',
  format: 'yaml-list',
  path: (ctx) => join(continueHome(ctx), 'config.yaml'),
  homeVariable: 'CONTINUE_GLOBAL_DIR',
  // Continue refuses a config.yaml without these three lines.
  seed: 'name: Local Config\nversion: 1.0.0\nschema: v1\n',
  olderFile: (ctx) => join(continueHome(ctx), 'config.json'),
  markers: hashMarkers('keybridge'),
  key: 'models',
  names: [CONTINUE_MODELS.openai, CONTINUE_MODELS.anthropic],
  items: (ctx) => [
    [
      `- name: ${JSON.stringify(CONTINUE_MODELS.openai)}`,
      `  provider: openai`,
      `  model: ${JSON.stringify(DEFAULT_OPENAI_MODEL)}`,
      `  apiBase: ${JSON.stringify(ctx.baseUrls.openai)}`,
      `  apiKey: ${JSON.stringify(ctx.token)}`,
    ],
    [
      `- name: ${JSON.stringify(CONTINUE_MODELS.anthropic)}`,
      `  provider: anthropic`,
      `  model: ${JSON.stringify(DEFAULT_ANTHROPIC_MODEL)}`,
      // Continue's Anthropic provider appends `messages` to its apiBase.
      `  apiBase: ${JSON.stringify(`${ctx.baseUrls.anthropic}/v1/`)}`,
      `  apiKey: ${JSON.stringify(ctx.token)}`,
    ],
  ],
};

export const continueDev = defineAgent({
  id: 'continue',
  title: 'Continue',
  extensions: ['continue.continue'],
  cli: 'cn',
  files: [continueConfig],
  settings: [],
  choices: [
    {
      targets: ['continue-config'],
      label: 'Continue: ~/.continue/config.yaml',
      detail: 'two models, KeyBridge (OpenAI) and KeyBridge (Anthropic), at the head of its models list: read by the extension and the cn CLI',
    },
  ],
  setup: (ctx) => ({
    title: 'Continue',
    where: '~/.continue/config.yaml',
    text: [
      // Continue refuses a config.yaml without these three header lines.
      `name: KeyBridge`,
      `version: 1.0.0`,
      `schema: v1`,
      `models:`,
      `  - name: KeyBridge (OpenAI)`,
      `    provider: openai`,
      `    model: ${ctx.openaiModel ?? DEFAULT_OPENAI_MODEL}`,
      `    apiBase: ${ctx.baseUrls.openai}`,
      `    apiKey: ${ctx.token}`,
      `  - name: KeyBridge (Anthropic)`,
      `    provider: anthropic`,
      `    model: ${ctx.anthropicModel ?? DEFAULT_ANTHROPIC_MODEL}`,
      `    apiBase: ${ctx.baseUrls.anthropic}/v1/`,
      `    apiKey: ${ctx.token}`,
    ].join('\n'),
  }),
  userAgent: /^continue/i,
});
