import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { agentHome, tomlString, type ConnectContext, type TomlBlockTarget } from '../connectTargets';
import { hashMarkers } from '../markedBlock';
import { shellQuote, TOKEN_ENV } from '../setupText';

/** The Codex provider id Connect adds, and the name of its profile (`codex --profile keybridge`). */
const CODEX_PROVIDER = 'keybridge';

function codexHome(ctx: ConnectContext): string {
  return agentHome(ctx, 'CODEX_HOME', '.codex');
}

const codexProvider: TomlBlockTarget<'codex-provider'> = {
  id: 'codex-provider',
  title: 'Codex: the keybridge provider in config.toml',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), 'config.toml'),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge'),
  placement: 'end',
  // experimental_bearer_token rather than env_key: Codex's VS Code extension starts codex without the
  // terminal variables, and an env_key whose variable is unset fails every request.
  lines: (ctx) => [
    `[model_providers.${CODEX_PROVIDER}]`,
    `name = "KeyBridge"`,
    `base_url = ${tomlString(ctx.baseUrls.openai)}`,
    `wire_api = "responses"`,
    `experimental_bearer_token = ${tomlString(ctx.token)}`,
  ],
  clash: (outline) =>
    outline.tables.includes(`model_providers.${CODEX_PROVIDER}`) ? `it already has a [model_providers.${CODEX_PROVIDER}] table of its own` : undefined,
};

// Codex 0.134 and later read a profile from its own file and refuse `[profiles.x]` tables and the root
// `profile = "x"` selector in config.toml ("legacy profile … is no longer supported").
const codexProfile: TomlBlockTarget<'codex-profile'> = {
  id: 'codex-profile',
  title: 'Codex: the keybridge profile (codex --profile keybridge)',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), `${CODEX_PROVIDER}.config.toml`),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge'),
  placement: 'root',
  lines: () => [`model_provider = ${tomlString(CODEX_PROVIDER)}`],
  clash: (outline) => (outline.rootKeys.includes('model_provider') ? 'it already sets model_provider' : undefined),
};

/** Only on a second confirmation: makes the keybridge provider Codex's default (the VS Code extension reads no profiles). */
const codexDefault: TomlBlockTarget<'codex-default'> = {
  id: 'codex-default',
  title: 'Codex: keybridge as the default provider in config.toml',
  format: 'toml-block',
  path: (ctx) => join(codexHome(ctx), 'config.toml'),
  homeVariable: 'CODEX_HOME',
  seed: '',
  markers: hashMarkers('keybridge default provider'),
  placement: 'root',
  lines: () => [`model_provider = ${tomlString(CODEX_PROVIDER)}`],
  clash: (outline) => {
    if (outline.rootKeys.includes('model_provider'))
      return 'it already sets model_provider at the top: change that line yourself, or use `codex --profile keybridge`';
    if (outline.rootKeys.includes('profile')) return 'it sets the legacy `profile` selector, which this Codex refuses';
    return undefined;
  },
};

export const codex = defineAgent({
  id: 'codex',
  title: 'Codex',
  extensions: ['openai.chatgpt'],
  cli: 'codex',
  files: [codexProvider, codexProfile, codexDefault],
  settings: [],
  // codex-default is offered only on a second confirmation, after the others.
  choices: [
    {
      targets: ['codex-provider', 'codex-profile'],
      label: 'Codex: ~/.codex/config.toml',
      detail: 'a keybridge provider (marked block) and a keybridge profile: codex --profile keybridge',
    },
  ],
  setup: (ctx) => ({
    title: 'Codex CLI',
    where: '~/.codex/config.toml (or $CODEX_HOME/config.toml), plus the token in your shell',
    text: [
      `# ~/.codex/config.toml`,
      `model_provider = "keybridge"`,
      ``,
      `[model_providers.keybridge]`,
      `name = "KeyBridge"`,
      `base_url = "${ctx.baseUrls.openai}"`,
      `env_key = "${TOKEN_ENV}"`,
      `wire_api = "responses"`,
      ``,
      `# shell`,
      `export ${TOKEN_ENV}=${shellQuote(ctx.token)}`,
      `codex`,
    ].join('\n'),
  }),
  userAgent: /^codex/i,
});
