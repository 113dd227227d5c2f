import type { BaseUrls } from '../config';
import { join } from 'node:path';
import type { BlockMarkers } from './markedBlock';
import type { TomlOutline } from './tomlOutline';

/**
 * The shapes of the files Connect Agents may write; each agent's spec (specs/) says exactly what it writes there.
 * The local token goes into the files themselves: agents started by an editor extension (Claude Code's, Codex's) or from a desktop
 * launcher never see the variables KeyBridge puts in VS Code's terminals.
 */
export interface ConnectContext {
  baseUrls: BaseUrls;
  /** The local access token agents send as their API key (not a provider key, but still kept out of logs). */
  token: string;
  /** The user's home folder: `os.homedir()` in the hosts, a temporary folder in tests. */
  home: string;
  /** CODEX_HOME, CLAUDE_CONFIG_DIR, XDG_CONFIG_HOME, CONTINUE_GLOBAL_DIR, QWEN_HOME and GEMINI_CLI_HOME move the agents' folders when set. */
  env?: Readonly<Record<string, string | undefined>>;
}

interface TargetBase<Id extends string> {
  id: Id;
  /** What the user reads in the preview and the tree. */
  title: string;
  path(ctx: ConnectContext): string;
  /** The environment variable that moves the agent's folder (Connect refuses a relative one). */
  homeVariable: string;
  /** A new file starts as this text (so Disconnect can tell that nothing but ours was ever in it). */
  seed: string;
  /** A file the agent reads instead while this one does not exist: creating this one would hide it. */
  olderFile?(ctx: ConnectContext): string;
}

/** A marked block of TOML lines. */
export interface TomlBlockTarget<Id extends string = string> extends TargetBase<Id> {
  format: 'toml-block';
  markers: BlockMarkers;
  /** `end` for tables; `root` for root keys, which TOML wants before the first table. */
  placement: 'end' | 'root';
  lines(ctx: ConnectContext): string[];
  /** Why the user's file cannot take our block (something of theirs would clash), if it cannot. */
  clash(outline: TomlOutline): string | undefined;
}

/** Members of one JSON object, each set in place; the rest of the file is left as it is. */
export interface JsonMembersTarget<Id extends string = string> extends TargetBase<Id> {
  format: 'json-members';
  objectPath: string[];
  values(ctx: ConnectContext): Record<string, unknown>;
  /**
   * The values are ones a user may have set without KeyBridge (Gemini CLI's sign-in choice): a file that
   * already has them is connected, not refused as "already points at KeyBridge".
   */
  notOursAlone?: boolean;
}

/**
 * A marked block of `NAME=value` lines at the end of a dotenv file. Last, because a name assigned twice takes
 * its last value there: ours apply while connected, and the user's own lines above come back into force on
 * Disconnect, untouched.
 */
export interface EnvBlockTarget<Id extends string = string> extends TargetBase<Id> {
  format: 'env-block';
  markers: BlockMarkers;
  lines(ctx: ConnectContext): string[];
}

/** Marked items at the head of a top-level YAML list (Continue's `models:`), the list created when missing. */
export interface YamlListTarget<Id extends string = string> extends TargetBase<Id> {
  format: 'yaml-list';
  markers: BlockMarkers;
  key: string;
  /** Each item's lines without indentation, the first starting with `- `. */
  items(ctx: ConnectContext): string[][];
  /** The `name` of each item, to refuse a list that already has entries called that. */
  names: string[];
}

export type FileTarget<Id extends string = string> = TomlBlockTarget<Id> | JsonMembersTarget<Id> | YamlListTarget<Id> | EnvBlockTarget<Id>;

/** The agent's folder: where `variable` moves it when set, else `fallback` in the home folder. */
export function agentHome(ctx: ConnectContext, variable: string, fallback: string): string {
  return ctx.env?.[variable] || join(ctx.home, fallback);
}

export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A dotenv line; the value double-quoted (dotenv reads it back as written: our values have no quotes or newlines). */
export function envLine(name: string, value: string): string {
  return `${name}=${JSON.stringify(value)}`;
}
