import type { FileTarget } from './connectTargets';
import { aider } from './specs/aider';
import { anthropicSdk } from './specs/anthropicSdk';
import { claudeCode } from './specs/claudeCode';
import { cline } from './specs/cline';
import { codex } from './specs/codex';
import { continueDev } from './specs/continueDev';
import { geminiCli } from './specs/geminiCli';
import { opencode } from './specs/opencode';
import { openaiSdk } from './specs/openaiSdk';
import { qwenCode } from './specs/qwenCode';
import { roo } from './specs/roo';

/**
 * Every agent KeyBridge knows, one spec each (specs/, docs/ARCHITECTURE.md §1). The order is the tree's, Copy
 * Agent Setup's and the order User-Agents are matched in. Adding an agent: a spec file and its line here.
 */
export const AGENT_SPECS = [claudeCode, codex, opencode, continueDev, qwenCode, geminiCli, cline, roo, aider, openaiSdk, anthropicSdk] as const;

type AgentSpecs = (typeof AGENT_SPECS)[number];
export type AgentId = AgentSpecs['id'];
/** A file Connect Agents may write. */
export type FileTargetId = AgentSpecs['files'][number]['id'];
/** A place Connect Agents writes: one of the agents' files, or a VS Code setting of theirs at one scope. */
export type ConnectionTargetId = FileTargetId | AgentSpecs['settings'][number];

/** Every file Connect Agents may write, by id. */
export const FILE_TARGETS = Object.fromEntries(AGENT_SPECS.flatMap((spec): readonly FileTarget[] => spec.files).map((target) => [target.id, target])) as Record<
  FileTargetId,
  FileTarget<FileTargetId>
>;
