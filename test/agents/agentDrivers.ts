import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codexProviderId, codexTomlOf, exportsOf, setupText, type BaseUrls } from './agentSettings';
import type { AgentRunResult } from './processes';
import type { AgentId as SpecAgentId } from '../../src/core/agents/agentList';

/** The agents these drivers run for real; their ids are the specs' (src/core/agents/agentList.ts). */
type AgentId = Extract<SpecAgentId, 'claude-code' | 'codex'>;

/** Folders of one agent run: a clean HOME, the working directory, and room for agent config. */
export interface RunDirs {
  root: string;
  home: string;
  work: string;
}

interface AgentInvocation {
  /** The bridge's base URLs (or a relay's in front of it). */
  baseUrls: BaseUrls;
  /** KeyBridge's local access token: the agent sends it as its API key. */
  token: string;
  prompt: string;
  /** Caps the agent's own retries of a failed model request; its default when unset. */
  maxRetries?: number;
}

interface AgentCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Where the user-facing settings came from, and the offline/test switches added to them. */
  settings: string;
}

export interface AgentOutcome {
  /** The final answer the agent printed. */
  text: string;
  /** The agent reported a failed run (its own words). */
  error: string | undefined;
}

/** What the test needs to know about one coding agent. */
export interface AgentDriver {
  id: AgentId;
  name: string;
  protocol: 'anthropic' | 'openai';
  /** The shell/file tool it offers the model, as the fake provider asks for it. */
  toolName: string;
  command(binary: string, dirs: RunDirs, run: AgentInvocation): AgentCommand;
  /**
   * The agent started with nothing of KeyBridge's in its environment: it must find the bridge through the
   * files Connect Agents wrote under `dirs.home`. `profile` (Codex): pass `--profile keybridge`.
   */
  connectedCommand(binary: string, dirs: RunDirs, prompt: string, options: { profile?: boolean }): AgentCommand;
  /** A tool call that prints the file at `path` (absolute, inside the working directory). */
  readFileCall(path: string, dirs: RunDirs): Record<string, unknown>;
  /** The outputs of the tool calls this request carries back to the model, in order. */
  toolOutputs(body: unknown): string[];
  outcome(result: AgentRunResult, dirs: RunDirs): AgentOutcome;
}

/** The environment every agent run starts from: nothing of the caller's but PATH and locale. */
function baseEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    NO_COLOR: '1',
    // All traffic stays on 127.0.0.1; a proxy inherited from the machine must not capture it.
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };
  return env;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as unknown;
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

const CLAUDE_OFFLINE: Record<string, string> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
};

/**
 * Claude Code: ANTHROPIC_BASE_URL is the bridge's Anthropic base (no /v1),
 * ANTHROPIC_AUTH_TOKEN carries the local token; print mode with JSON output.
 */
const claudeCode: AgentDriver = {
  id: 'claude-code',
  name: 'Claude Code',
  protocol: 'anthropic',
  toolName: 'Read',
  command(binary, dirs, run) {
    const setup = setupText('claude-code', run.baseUrls, run.token);
    const user = exportsOf(setup.text);
    const offline: Record<string, string> = { ...CLAUDE_OFFLINE };
    if (run.maxRetries !== undefined) offline.CLAUDE_CODE_MAX_RETRIES = String(run.maxRetries);
    return {
      command: binary,
      args: ['-p', run.prompt, '--output-format', 'json'],
      env: { ...baseEnv(dirs.home), ...user, ...offline },
      settings: `${Object.keys(user).join(', ')} from ${setup.source}; plus ${Object.keys(offline).join(', ')}`,
    };
  },
  connectedCommand(binary, dirs, prompt) {
    return {
      command: binary,
      args: ['-p', prompt, '--output-format', 'json'],
      env: { ...baseEnv(dirs.home), ...CLAUDE_OFFLINE },
      settings: `only ~/.claude/settings.json as Connect Agents wrote it; plus ${Object.keys(CLAUDE_OFFLINE).join(', ')}`,
    };
  },
  readFileCall(path) {
    return { file_path: path };
  },
  toolOutputs(body) {
    const out: string[] = [];
    const messages = (body as { messages?: unknown }).messages;
    if (!Array.isArray(messages)) return out;
    for (const message of messages as Array<{ role?: unknown; content?: unknown }>) {
      if (message.role !== 'user' || !Array.isArray(message.content)) continue;
      for (const block of message.content as Array<{ type?: unknown; content?: unknown }>) {
        if (block.type === 'tool_result') out.push(textOf(block.content));
      }
    }
    return out;
  },
  outcome(result) {
    const json = lastJsonLine(result.stdout);
    if (!json) return { text: '', error: (result.stderr || result.stdout).trim().slice(-400) || `exit ${result.code}` };
    const text = typeof json.result === 'string' ? json.result : '';
    const failed = json.is_error === true || result.code !== 0;
    const apiStatus = json.api_error_status;
    const status = typeof apiStatus === 'number' || (typeof apiStatus === 'string' && apiStatus) ? ` (API status ${apiStatus})` : '';
    return { text, error: failed ? `${text || String(json.subtype)}${status}` : undefined };
  },
};

/** `codex exec` non-interactively: the final message to a file, `-c` overrides, and `--strict-config`. */
function codexExecArgs(dirs: RunDirs, prompt: string, overrides: string[], before: string[] = []): string[] {
  return [
    'exec',
    ...before,
    '--skip-git-repo-check',
    // Fails the run if this Codex version does not know a key of the config it reads.
    '--strict-config',
    ...overrides.flatMap((o) => ['-c', o]),
    '--color',
    'never',
    '--output-last-message',
    join(dirs.root, 'codex-last-message.txt'),
    prompt,
  ];
}

/**
 * Codex CLI: a CODEX_HOME with a config.toml naming a custom provider whose
 * base_url is the bridge's OpenAI base (with /v1) and whose env_key names
 * the variable holding the local token; Responses wire API.
 */
const codexCli: AgentDriver = {
  id: 'codex',
  name: 'Codex CLI',
  protocol: 'openai',
  toolName: 'exec_command',
  command(binary, dirs, run) {
    const setup = setupText('codex', run.baseUrls, run.token);
    const toml = codexTomlOf(setup.text);
    const provider = codexProviderId(toml);
    const user = exportsOf(setup.text);
    const codexHome = join(dirs.root, 'codex-home');
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(join(codexHome, 'config.toml'), toml);
    // Offline and test switches go on the command line, so config.toml stays exactly the guide's text.
    const overrides = ['check_for_update_on_startup=false', 'analytics.enabled=false'];
    if (run.maxRetries !== undefined) {
      overrides.push(`model_providers.${provider}.request_max_retries=${run.maxRetries}`, `model_providers.${provider}.stream_max_retries=${run.maxRetries}`);
    }
    return {
      command: binary,
      args: codexExecArgs(dirs, run.prompt, overrides),
      env: { ...baseEnv(dirs.home), CODEX_HOME: codexHome, ...user },
      settings: `config.toml and ${Object.keys(user).join(', ')} from ${setup.source}; plus -c ${overrides.join(' -c ')}`,
    };
  },
  connectedCommand(binary, dirs, prompt, options) {
    // No CODEX_HOME: Codex reads $HOME/.codex, where Connect Agents wrote. Offline switches on the command line.
    const overrides = ['check_for_update_on_startup=false', 'analytics.enabled=false'];
    return {
      command: binary,
      args: codexExecArgs(dirs, prompt, overrides, options.profile ? ['--profile', 'keybridge'] : []),
      env: baseEnv(dirs.home),
      settings: `only ~/.codex/config.toml${options.profile ? ' and keybridge.config.toml (--profile keybridge)' : ' (keybridge as the default provider)'} as Connect Agents wrote them; plus -c ${overrides.join(' -c ')}`,
    };
  },
  readFileCall(path, dirs) {
    return { cmd: `cat ${JSON.stringify(path)}`, workdir: dirs.work };
  },
  toolOutputs(body) {
    const out: string[] = [];
    const input = (body as { input?: unknown }).input;
    if (!Array.isArray(input)) return out;
    for (const item of input as Array<{ type?: unknown; output?: unknown }>) {
      if (item.type === 'function_call_output') out.push(textOf(item.output));
    }
    return out;
  },
  outcome(result, dirs) {
    let text = '';
    try {
      text = readFileSync(join(dirs.root, 'codex-last-message.txt'), 'utf8').trim();
    } catch {
      text = result.stdout.trim();
    }
    const errors = result.stderr
      .split('\n')
      .filter((line) => /^ERROR\b|error:/i.test(line))
      .map((line) => line.trim());
    const failed = result.code !== 0 || (errors.length > 0 && !text);
    return { text, error: failed ? (errors[errors.length - 1] ?? `exit ${result.code}`) : undefined };
  },
};

export const AGENT_DRIVERS: readonly AgentDriver[] = [claudeCode, codexCli];
