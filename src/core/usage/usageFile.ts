import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PROTOCOLS } from '../configSchema';
import type { UsageRow } from './usageRecord';

/** What a usage file held: the rows that have the right shape, and how many lines did not. */
export interface UsageFileContents {
  rows: UsageRow[];
  badLines: number;
  /** Its last line has no newline: a write in progress to a reader, an interrupted one to the writer at open. */
  torn: boolean;
  /** The file was not there (a first run). */
  missing: boolean;
}

const PROTOCOL_NAMES: ReadonlySet<string> = new Set(PROTOCOLS);
const OUTCOMES = new Set(['ok', 'error', 'interrupted', 'aborted']);
const COUNTS = ['at', 'latencyMs', 'failovers', 'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'] as const;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/** A line of the file as a row, or undefined when it is not one (a torn write, a hand edit, another version). */
export function parseUsageLine(line: string): UsageRow | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const row = value as Record<string, unknown>;
  if (typeof row.pool !== 'string' || typeof row.key !== 'string' || typeof row.model !== 'string' || typeof row.agent !== 'string') return undefined;
  if (!PROTOCOL_NAMES.has(row.protocol as string) || !COUNTS.every((name) => isCount(row[name]))) return undefined;
  if (row.keyMasked !== undefined && typeof row.keyMasked !== 'string') return undefined;
  if (row.kind === 'request') {
    if (!OUTCOMES.has(row.outcome as string) || !isCount(row.status) || !isCount(row.attempts) || typeof row.stream !== 'boolean') return undefined;
    if (row.servedModel !== undefined && typeof row.servedModel !== 'string') return undefined;
    if (row.firstByteMs !== undefined && !isCount(row.firstByteMs)) return undefined;
    return value as UsageRow;
  }
  if (row.kind === 'hour' || row.kind === 'day') return isCount(row.requests) && isCount(row.errors) ? (value as UsageRow) : undefined;
  return undefined;
}

/**
 * Reads a usage file without changing it (a reader beside the writer: `keybridge usage`). A last line without
 * its newline is left out, and said as `torn` rather than counted among the bad lines.
 */
export async function readUsageFile(path: string): Promise<UsageFileContents> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { rows: [], badLines: 0, torn: false, missing: true };
    throw error;
  }
  const lines = text.split('\n');
  const torn = lines.pop();
  const rows: UsageRow[] = [];
  let badLines = 0;
  for (const line of lines) {
    if (!line.trim()) continue;
    const row = parseUsageLine(line);
    if (row) rows.push(row);
    else badLines++;
  }
  return { rows, badLines, torn: Boolean(torn), missing: false };
}

function usageLines(rows: readonly UsageRow[]): string {
  let out = '';
  for (const row of rows) out += `${JSON.stringify(row)}\n`;
  return out;
}

/** Appends rows; the file is made owner-only (0600) when this creates it. */
export async function appendUsageRows(path: string, rows: readonly UsageRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, usageLines(rows), { mode: 0o600 });
}

/** Replaces the file whole through a temporary file and a rename, so a reader sees the old file or the new one. */
export async function rewriteUsageFile(path: string, rows: readonly UsageRow[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, usageLines(rows), { mode: 0o600 });
  await rename(temp, path);
}

/** Moves a damaged file out of the way (`FILE.damaged-<time>`), kept for a look; returns its new name. */
export async function setAsideUsageFile(path: string, now: number): Promise<string> {
  const aside = `${path}.damaged-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  await rename(path, aside);
  return aside;
}
