import { connectFile, currentFileState, disconnectFile, planFile, readTextIfExists, refreshFile } from '../../core/agents/agentFiles';
import { FILE_TARGETS, type ConnectionTargetId, type FileTargetId } from '../../core/agents/agentList';
import type { ConnectContext } from '../../core/agents/connectTargets';
import { claudeEnvValues } from '../../core/agents/specs/claudeCode';
import {
  CLAUDE_ENV_SETTING,
  CLAUDE_LOGIN_PROMPT_SETTING,
  envSettingState,
  loginPromptRecord,
  mergeEnvSetting,
  refreshEnvSetting,
  restoreEnvSetting,
  restoreLoginPrompt,
  type EnvSettingRecord,
  type LoginPromptRecord,
} from '../../core/agents/envVarSetting';
import { ConnectRefused, type FileRecord, type FileState, type PreviousValues } from '../../core/agents/fileConnection';
import { Emitter } from '../../core/emitter';
import type { Logger } from '../../core/logger';
import type { SecretStorageLike } from '../keys/keySecrets';

export type SettingScope = 'user' | 'workspace';

/** Claude Code's VS Code settings at user or workspace scope; VS Code's configuration API in the extension, a map in tests. */
export interface EnvSettingAccess {
  /** VS Code refuses to write a setting no installed extension declares. */
  registered(): boolean;
  hasWorkspace(): boolean;
  read(scope: SettingScope, setting: string): unknown;
  /** undefined removes the setting from that scope. */
  write(scope: SettingScope, setting: string, value: unknown): Promise<void>;
}

export interface MementoLike {
  get(key: string): unknown;
  update(key: string, value: unknown): Thenable<void>;
}

type TargetState = FileState | 'not-connected';

export interface TargetStatus {
  id: ConnectionTargetId;
  state: TargetState;
  /** The file (with ~ for the home folder) or the settings scope. */
  where: string;
}

/** What Connect would write to one target, or why it will not. */
export interface TargetPlan {
  id: ConnectionTargetId;
  where: string;
  lines: string[];
  refused?: string;
  /** Said beside the lines: a link followed, a mode tightened. */
  notes?: string[];
  /** Asked about before anything is written (the token in a file that is often committed). */
  warning?: string;
}

/**
 * Workspace settings live in the folder (`.vscode/settings.json`, or the `.code-workspace` file of a
 * multi-root workspace), which is often committed and shared, and which VS Code creates readable by every
 * local user.
 */
const USER_SETTINGS_NOTE =
  'VS Code keeps User settings in its settings.json, which it creates readable by other users of this machine under the usual umask; KeyBridge does not change its mode';

const WORKSPACE_SETTINGS_WARNING =
  'Workspace settings are stored in this folder’s .vscode/settings.json (or the .code-workspace file), which is often committed to a repository and usually readable by other users of this machine: the local token would be in it. User settings keep it out of the folder.';

interface StoredConnections {
  version: 1;
  files: Partial<Record<FileTargetId, FileRecord>>;
  settings: Partial<Record<SettingScope, EnvSettingRecord>>;
}

const STATE_KEY = 'keybridge.agentConnections';
const previousSecret = (id: ConnectionTargetId): string => `keybridge.agentPrevious/${id}`;

function scopeOf(id: ConnectionTargetId): SettingScope | undefined {
  return id === 'claude-setting-user' ? 'user' : id === 'claude-setting-workspace' ? 'workspace' : undefined;
}

/**
 * What Connect Agents wrote and how to take it out again. The records (paths, digests, separators; never a
 * value) live in globalState, shared by every window; values Connect replaced, which may be a user's own
 * credentials, live in SecretStorage. Files are read again for every status, so a change made by hand shows.
 */
export class AgentConnections {
  readonly onDidChange = new Emitter<void>();
  private followed = '';

  constructor(
    private readonly deps: {
      state: MementoLike;
      secrets: Pick<SecretStorageLike, 'get' | 'store' | 'delete'>;
      settings: EnvSettingAccess;
      home: string;
      env?: Readonly<Record<string, string | undefined>>;
      logger: Logger;
    },
  ) {}

  /** True once anything is connected: the tree shows its Agents section from then on, pools or not. */
  get anyConnected(): boolean {
    const stored = this.stored();
    return Object.keys(stored.files).length + Object.keys(stored.settings).length > 0;
  }

  status(id: ConnectionTargetId, ctx: ConnectContext | undefined): TargetStatus {
    const stored = this.stored();
    const scope = scopeOf(id);
    if (scope) {
      const record = stored.settings[scope];
      const where = scope === 'user' ? 'User settings' : 'Workspace settings';
      if (!record) return { id, state: 'not-connected', where };
      return { id, state: envSettingState(this.deps.settings.read(scope, CLAUDE_ENV_SETTING), record, ctx ? claudeEnvValues(ctx) : {}), where };
    }
    const fileId = id as FileTargetId;
    const record = stored.files[fileId];
    const where = this.display(record?.path ?? FILE_TARGETS[fileId].path(this.context(ctx)));
    if (!record) return { id, state: 'not-connected', where };
    // Without a token yet, "ours but outdated" cannot be told from "current": call it connected.
    if (!ctx) return { id, state: readTextIfExists(record.path) === undefined ? 'missing' : 'connected', where };
    return { id, state: currentFileState(record, ctx), where };
  }

  plan(id: ConnectionTargetId, ctx: ConnectContext): TargetPlan {
    const scope = scopeOf(id);
    if (scope) {
      const where = `${scope === 'user' ? 'User' : 'Workspace'} settings: "${CLAUDE_ENV_SETTING}"`;
      if (!this.deps.settings.registered())
        return { id, where, lines: [], refused: `the Claude Code extension is not installed, so VS Code has no "${CLAUDE_ENV_SETTING}" setting` };
      if (scope === 'workspace' && !this.deps.settings.hasWorkspace()) return { id, where, lines: [], refused: 'no folder or workspace is open' };
      const values = claudeEnvValues(ctx);
      const lines = [...Object.entries(values).map(([name, value]) => JSON.stringify({ name, value })), `"${CLAUDE_LOGIN_PROMPT_SETTING}": true`];
      return scope === 'workspace' ? { id, where, lines, warning: WORKSPACE_SETTINGS_WARNING } : { id, where, lines, notes: [USER_SETTINGS_NOTE] };
    }
    const fileId = id as FileTargetId;
    const target = FILE_TARGETS[fileId];
    const path = target.path(ctx);
    try {
      const planned = planFile(fileId, ctx);
      return { id, where: this.display(path), lines: planned.lines, notes: planned.notes };
    } catch (error) {
      if (error instanceof ConnectRefused) return { id, where: this.display(path), lines: [], refused: error.message };
      throw error;
    }
  }

  /** Writes one target; returns what the user should hear besides "connected" (a mode tightened…). */
  async connect(id: ConnectionTargetId, ctx: ConnectContext): Promise<string[]> {
    const stored = this.stored();
    const scope = scopeOf(id);
    let previous: PreviousValues;
    let notes: string[] = [];
    if (scope) {
      const merged = mergeEnvSetting(this.deps.settings.read(scope, CLAUDE_ENV_SETTING), claudeEnvValues(ctx));
      // Connecting again keeps what was there before the first Connect, not our own true.
      let loginPrompt: LoginPromptRecord | undefined =
        stored.settings[scope]?.loginPrompt ?? loginPromptRecord(this.deps.settings.read(scope, CLAUDE_LOGIN_PROMPT_SETTING));
      await this.deps.settings.write(scope, CLAUDE_ENV_SETTING, merged.value);
      try {
        await this.deps.settings.write(scope, CLAUDE_LOGIN_PROMPT_SETTING, true);
      } catch (error) {
        // A Claude Code version that does not declare it: the variables are what matters, so they stay
        // (and are recorded for Disconnect); the user hears why the login screen may still show.
        loginPrompt = undefined;
        notes = [`${CLAUDE_LOGIN_PROMPT_SETTING} was not set (${(error as Error).message}); the extension may still show its login screen`];
      }
      stored.settings[scope] = { ...merged.record, ...(loginPrompt && { loginPrompt }) };
      previous = merged.previous;
    } else {
      const connected = connectFile(id as FileTargetId, ctx);
      stored.files[id as FileTargetId] = connected.record;
      previous = connected.previous;
      notes = connected.notes;
    }
    if (Object.values(previous).some((v) => v !== null)) await this.deps.secrets.store(previousSecret(id), JSON.stringify(previous));
    await this.save(stored);
    this.deps.logger.info(`Connect Agents: wrote ${id} (${this.status(id, ctx).where})${notes.length ? `: ${notes.join('; ')}` : ''}`);
    return notes;
  }

  /** Takes our part out; returns what happened, in words. */
  async disconnect(id: ConnectionTargetId): Promise<string> {
    const stored = this.stored();
    const previous = await this.previous(id);
    const scope = scopeOf(id);
    let outcome: string;
    if (scope) {
      const record = stored.settings[scope];
      if (!record) return 'was not connected';
      await this.deps.settings.write(scope, CLAUDE_ENV_SETTING, restoreEnvSetting(this.deps.settings.read(scope, CLAUDE_ENV_SETTING), record, previous));
      const loginPrompt = record.loginPrompt && restoreLoginPrompt(this.deps.settings.read(scope, CLAUDE_LOGIN_PROMPT_SETTING), record.loginPrompt);
      if (loginPrompt && loginPrompt !== 'changed') await this.deps.settings.write(scope, CLAUDE_LOGIN_PROMPT_SETTING, loginPrompt.value);
      stored.settings = withoutKey(stored.settings, scope);
      outcome = 'restored';
    } else {
      const record = stored.files[id as FileTargetId];
      if (!record) return 'was not connected';
      outcome = disconnectFile(record, previous);
      stored.files = withoutKey(stored.files, id as FileTargetId);
    }
    await this.save(stored);
    await this.deps.secrets.delete(previousSecret(id));
    this.deps.logger.info(`Disconnect Agents: ${id} ${outcome}`);
    return outcome === 'nothing' ? 'had nothing of KeyBridge left' : outcome === 'deleted' ? 'removed (KeyBridge had created it)' : 'restored';
  }

  /**
   * Follows the port and token: every target still exactly as we wrote it, but for an older port or token,
   * gets its values rewritten (only our block or members). Drifted targets are left for the user.
   */
  async follow(ctx: ConnectContext): Promise<void> {
    const signature = JSON.stringify([ctx.baseUrls, ctx.token]);
    if (signature === this.followed) return;
    this.followed = signature;
    const stored = this.stored();
    let changed = 0;
    for (const [id, record] of Object.entries(stored.files) as [FileTargetId, FileRecord][]) {
      try {
        const next = refreshFile(record, ctx);
        if (next.record !== record) {
          stored.files[id] = next.record;
          changed++;
        }
        if (next.notes.length) this.deps.logger.info(`Connect Agents: ${this.display(record.path)}: ${next.notes.join('; ')}`);
      } catch (error) {
        this.deps.logger.warn(`Connect Agents: could not update ${this.display(record.path)}: ${(error as Error).message}`);
      }
    }
    for (const [scope, record] of Object.entries(stored.settings) as [SettingScope, EnvSettingRecord][]) {
      const current = this.deps.settings.read(scope, CLAUDE_ENV_SETTING);
      if (envSettingState(current, record, claudeEnvValues(ctx)) !== 'outdated') continue;
      const refreshed = refreshEnvSetting(current, claudeEnvValues(ctx));
      await this.deps.settings.write(scope, CLAUDE_ENV_SETTING, refreshed.value);
      stored.settings[scope] = { ...record, ...refreshed.record };
      changed++;
    }
    if (changed === 0) return;
    await this.save(stored);
    this.deps.logger.info(
      `Connect Agents: updated ${changed} connected agent setting(s) for ${ctx.baseUrls.openai.replace(/\/openai\/v1$/, '')} and the current local token`,
    );
  }

  private context(ctx: ConnectContext | undefined): ConnectContext {
    return ctx ?? { baseUrls: { openai: '', anthropic: '', gemini: '' }, token: '', home: this.deps.home, env: this.deps.env };
  }

  private display(path: string): string {
    return path.startsWith(`${this.deps.home}/`) ? `~${path.slice(this.deps.home.length)}` : path;
  }

  private stored(): StoredConnections {
    const raw = this.deps.state.get(STATE_KEY) as StoredConnections | undefined;
    return raw?.version === 1 ? { version: 1, files: { ...raw.files }, settings: { ...raw.settings } } : { version: 1, files: {}, settings: {} };
  }

  private async save(stored: StoredConnections): Promise<void> {
    await this.deps.state.update(STATE_KEY, stored);
    this.onDidChange.fire();
  }

  private async previous(id: ConnectionTargetId): Promise<PreviousValues> {
    try {
      // In code-server a secret read never answers without a browser window: do not hang Disconnect on it.
      const raw = await withinMs(this.deps.secrets.get(previousSecret(id)), 5_000);
      return raw ? (JSON.parse(raw) as PreviousValues) : {};
    } catch (error) {
      this.deps.logger.warn(
        `Disconnect Agents: the values ${id} had before could not be read from the secret storage (${(error as Error).message}); KeyBridge's own are removed instead`,
      );
      return {};
    }
  }
}

function withinMs<T>(pending: Thenable<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve(pending),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function withoutKey<K extends string, V>(record: Partial<Record<K, V>>, key: K): Partial<Record<K, V>> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key)) as Partial<Record<K, V>>;
}
