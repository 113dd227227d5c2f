import type { BaseUrls } from '../config';
import type { FileTarget } from './connectTargets';

/** What Copy Agent Setup fills in. */
export interface AgentSetupContext {
  /** `{ openai: http://127.0.0.1:PORT/openai/v1, anthropic: http://127.0.0.1:PORT/anthropic }` */
  baseUrls: BaseUrls;
  /** The local access token agents send as their API key. */
  token: string;
  /** Model names to put in configs that must name one. */
  openaiModel?: string;
  anthropicModel?: string;
}

export interface AgentSetupText {
  title: string;
  /** Where the text goes (a shell, a file, a settings page). */
  where: string;
  text: string;
}

/** One row of the Connect quick pick: places to write, named as the user knows them. */
interface ConnectChoice<Place extends string> {
  targets: readonly Place[];
  label: string;
  detail: string;
}

/**
 * Everything KeyBridge knows about one agent (or client library), in one file under specs/ (docs/ARCHITECTURE.md §1):
 * how it is detected, what Connect Agents writes for it, what the tree and Copy Agent Setup say, and how its
 * requests are told apart in the usage records. The list in agentList.ts gathers them; nothing else names an agent.
 */
export interface AgentSpec<Id extends string = string, File extends string = string, Setting extends string = string> {
  id: Id;
  /** Its name in the tree, the Connect quick pick and the preview. */
  title: string;
  /** Detection: marketplace ids of its VS Code extension(s). */
  extensions: readonly string[];
  /** Detection: its command-line program. */
  cli?: string;
  /** The files Connect writes for it, each with exactly what goes in, and their way back. */
  files: readonly FileTarget<File>[];
  /** Places in VS Code's own settings Connect writes for it (the extension writes those, not the core). */
  settings: readonly Setting[];
  /** The rows of the Connect quick pick; several targets in one row are written together. */
  choices: readonly ConnectChoice<File | Setting>[];
  /** For an agent Connect cannot write for: where the user points it instead. */
  instead?: string;
  /** The text of Copy Agent Setup (and of its block in docs/agents.md). */
  setup?: (ctx: AgentSetupContext) => AgentSetupText;
  /** Its requests' User-Agent, for the usage records (first match in the list wins). */
  userAgent?: RegExp;
}

/** Keeps a spec's literal ids (the agent's, its files', its settings'), from which agentList.ts derives the id unions. */
export function defineAgent<const Id extends string, const File extends string = never, const Setting extends string = never>(
  spec: AgentSpec<Id, File, Setting>,
): AgentSpec<Id, File, Setting> {
  return spec;
}
