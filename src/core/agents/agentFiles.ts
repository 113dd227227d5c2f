import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FILE_TARGETS, type ConnectContext, type FileTargetId } from './connectTargets';
import { fileState, planConnect, planDisconnect, planRefresh, type ConnectPlan, type FileRecord, type FileState, type PreviousValues } from './fileConnection';

/**
 * The I/O around fileConnection.ts: read the agent's file, write it back in one step with the mode it had
 * (0600 for a file we create: it holds the local token), and undo what Connect created. Used by the
 * extension's Connect Agents and by the real-agent tests, so the agents run with what the command writes.
 */
export function readTextIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export interface ConnectedFile {
  record: FileRecord;
  previous: PreviousValues;
  lines: string[];
}

/** What Connect would write to the file as it is now (ConnectRefused when it will not). */
export function planFile(id: FileTargetId, ctx: ConnectContext): ConnectPlan {
  return planConnect(id, ctx, readTextIfExists(FILE_TARGETS[id].path(ctx)), existsSync);
}

export function connectFile(id: FileTargetId, ctx: ConnectContext): ConnectedFile {
  const { path, before, after, record, previous, lines } = planFile(id, ctx);
  record.createdDirs = ensureDir(dirname(path));
  writeText(path, after, before === undefined);
  return { record, previous, lines };
}

export function currentFileState(record: FileRecord, ctx: ConnectContext): FileState {
  return fileState(record, ctx, readTextIfExists(record.path));
}

/** Rewrites our part for the current port and token; the file must be `outdated`. */
export function refreshFile(record: FileRecord, ctx: ConnectContext): FileRecord {
  const current = readTextIfExists(record.path);
  if (current === undefined || fileState(record, ctx, current) !== 'outdated') return record;
  const planned = planRefresh(record, ctx, current);
  writeText(record.path, planned.after, false);
  return planned.record;
}

/** Takes our part out; `nothing` when it was already gone. */
export function disconnectFile(record: FileRecord, previous: PreviousValues): 'restored' | 'deleted' | 'nothing' {
  const after = planDisconnect(record, previous, readTextIfExists(record.path));
  if (after === undefined) return 'nothing';
  if (after === null) {
    unlinkSync(record.path);
    for (const dir of [...record.createdDirs].reverse()) if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    return 'deleted';
  }
  writeText(record.path, after, false);
  return 'restored';
}

/** Creates the folder and any missing parents; returns those it created, outermost first. */
function ensureDir(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
  if (missing.length) mkdirSync(dir, { recursive: true, mode: 0o700 });
  return missing;
}

/**
 * Replaces the file in one rename (a reader never sees half a file), keeping its mode. A symlinked file
 * (dotfiles kept in a repository) is written through the link instead, so the link stays a link.
 */
function writeText(path: string, text: string, created: boolean): void {
  if (!created && lstatSync(path).isSymbolicLink()) {
    writeFileSync(path, text);
    return;
  }
  const mode = created ? 0o600 : statSync(path).mode & 0o777;
  const temp = `${path}.keybridge-${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
