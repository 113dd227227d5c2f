import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { envLine, type ConnectContext, type EnvBlockTarget, type JsonMembersTarget } from '../connectTargets';
import { hashMarkers } from '../markedBlock';
import { shellExports } from '../setupText';

/** Gemini CLI's folder: `.gemini` in GEMINI_CLI_HOME when set (it stands in for the whole home folder), else in the home folder. */
function geminiDir(ctx: ConnectContext): string {
  return join(ctx.env?.GEMINI_CLI_HOME || ctx.home, '.gemini');
}

// Gemini CLI loads ONE .env file into its environment, never over a variable already set: the first of
// `.gemini/.env` then `.env` in the working folder and each folder above it, then ~/.gemini/.env, then ~/.env.
// ~/.gemini/.env is read only in a trusted folder.
const geminiEnv: EnvBlockTarget<'gemini-env'> = {
  id: 'gemini-env',
  title: 'Gemini CLI: ~/.gemini/.env',
  format: 'env-block',
  path: (ctx) => join(geminiDir(ctx), '.env'),
  homeVariable: 'GEMINI_CLI_HOME',
  seed: '',
  markers: hashMarkers('keybridge'),
  lines: (ctx) => [envLine('GOOGLE_GEMINI_BASE_URL', ctx.baseUrls.gemini), envLine('GEMINI_API_KEY', ctx.token)],
};

// Without a chosen sign-in a headless run stops ("Invalid auth method selected") and an interactive one asks.
const geminiSettings: JsonMembersTarget<'gemini-settings'> = {
  id: 'gemini-settings',
  title: 'Gemini CLI: ~/.gemini/settings.json',
  format: 'json-members',
  path: (ctx) => join(geminiDir(ctx), 'settings.json'),
  homeVariable: 'GEMINI_CLI_HOME',
  seed: '{}\n',
  objectPath: ['security', 'auth'],
  values: () => ({ selectedType: 'gemini-api-key' }),
  notOursAlone: true,
};

const PRECEDENCE =
  'Gemini CLI reads ~/.gemini/.env only in a trusted folder, and only when no .env (or .gemini/.env) is found in the working folder or above it; variables already set in the shell win over any .env.';

export const geminiCli = defineAgent({
  id: 'gemini-cli',
  title: 'Gemini CLI',
  extensions: [],
  cli: 'gemini',
  files: [geminiEnv, geminiSettings],
  settings: [],
  choices: [
    {
      targets: ['gemini-env', 'gemini-settings'],
      label: 'Gemini CLI: ~/.gemini/.env and settings.json',
      detail: `GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY in .env, API-key sign-in in settings.json. ${PRECEDENCE}`,
    },
  ],
  setup: (ctx) => ({
    title: 'Gemini CLI',
    where: `shell (or the same two lines in ~/.gemini/.env with "security": { "auth": { "selectedType": "gemini-api-key" } } in ~/.gemini/settings.json; ${PRECEDENCE})`,
    text: `${shellExports({ GOOGLE_GEMINI_BASE_URL: ctx.baseUrls.gemini, GEMINI_API_KEY: ctx.token })}\ngemini`,
  }),
  userAgent: /GeminiCLI/i,
});
