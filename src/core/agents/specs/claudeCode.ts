import { join } from 'node:path';
import { defineAgent } from '../agentSpec';
import { agentHome, type ConnectContext, type JsonMembersTarget } from '../connectTargets';
import { shellExports } from '../setupText';

/**
 * The token goes in ANTHROPIC_AUTH_TOKEN (sent as `Authorization: Bearer`, which the bridge takes), not
 * ANTHROPIC_API_KEY: interactive Claude Code asks before it uses an API key found in its environment, with
 * "No (recommended)" preselected, and a user who presses Enter is sent to the login screen.
 */
export function claudeEnvValues(ctx: Pick<ConnectContext, 'baseUrls' | 'token'>): Record<string, string> {
  return { ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic, ANTHROPIC_AUTH_TOKEN: ctx.token };
}

const claudeSettings: JsonMembersTarget<'claude-settings'> = {
  id: 'claude-settings',
  title: 'Claude Code (CLI and extension): ~/.claude/settings.json',
  format: 'json-members',
  path: (ctx) => join(agentHome(ctx, 'CLAUDE_CONFIG_DIR', '.claude'), 'settings.json'),
  homeVariable: 'CLAUDE_CONFIG_DIR',
  seed: '{}\n',
  objectPath: ['env'],
  values: (ctx) => claudeEnvValues(ctx),
};

export const claudeCode = defineAgent({
  id: 'claude-code',
  title: 'Claude Code',
  extensions: ['anthropic.claude-code'],
  cli: 'claude',
  files: [claudeSettings],
  // The extension's claudeCode.environmentVariables (and claudeCode.disableLoginPrompt), at either scope.
  settings: ['claude-setting-user', 'claude-setting-workspace'],
  choices: [
    {
      targets: ['claude-settings'],
      label: 'Claude Code: ~/.claude/settings.json',
      detail: 'ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN in its "env": read by the claude CLI and the Claude Code extension',
    },
    {
      targets: ['claude-setting-user'],
      label: 'Claude Code extension: User settings',
      detail: 'the same two variables in claudeCode.environmentVariables, and claudeCode.disableLoginPrompt, for every workspace',
    },
    {
      targets: ['claude-setting-workspace'],
      label: 'Claude Code extension: Workspace settings',
      detail:
        'the same two variables in claudeCode.environmentVariables, and claudeCode.disableLoginPrompt, for this workspace only: in .vscode/settings.json, often committed (asks first)',
    },
  ],
  setup: (ctx) => ({
    title: 'Claude Code',
    where: 'shell, before running claude',
    // ANTHROPIC_AUTH_TOKEN: Claude Code uses it without the question it asks of an ANTHROPIC_API_KEY.
    text: `${shellExports({ ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic, ANTHROPIC_AUTH_TOKEN: ctx.token })}\nclaude`,
  }),
  userAgent: /^claude-cli\//i,
});
