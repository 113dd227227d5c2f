import { agentSetup } from '../../src/core/agentSetup';
import { must } from '../helpers/must';

/**
 * The agents run with the settings users copy: the text of src/core/agentSetup.ts
 * (the extension's "Copy Agent Setup" command and the README guide), parsed back
 * into environment variables and config.toml. Only offline and test switches are
 * added on top, and the runner prints them.
 */
export interface BaseUrls {
  openai: string;
  anthropic: string;
  gemini: string;
}

export function setupText(id: 'claude-code' | 'codex', baseUrls: BaseUrls, token: string): { text: string; source: string } {
  return { text: agentSetup(id, { baseUrls, token }).text, source: 'agentSetup.ts' };
}

/** `export NAME=value` lines (value bare or single-quoted), as a shell would read them. */
export function exportsOf(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const raw = must(m[2]);
    env[must(m[1])] = raw.startsWith("'") ? raw.slice(1, -1).replace(/'\\''/g, "'") : raw;
  }
  return env;
}

/** The config.toml part of the Codex guide: the lines after its `# …config.toml` heading, up to `# shell`. */
export function codexTomlOf(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^#.*config\.toml/.test(l));
  const end = lines.findIndex((l, i) => i > start && /^# shell/.test(l));
  if (start < 0) throw new Error('the Codex guide has no "# … config.toml" heading');
  return `${lines
    .slice(start + 1, end < 0 ? undefined : end)
    .join('\n')
    .trim()}\n`;
}

export function codexProviderId(toml: string): string {
  const m = /^model_provider\s*=\s*"([^"]+)"/m.exec(toml);
  if (!m) throw new Error('the Codex guide sets no model_provider');
  return must(m[1]);
}
