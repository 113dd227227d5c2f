import { createHash } from 'node:crypto';
import { FILE_TARGETS, type FileTargetId } from './agentList';
import type { ConnectContext, EnvBlockTarget, JsonMembersTarget, TomlBlockTarget, YamlListTarget } from './connectTargets';
import { checkJsonObject, readJsonMembers, restoreJsonMembers, setJsonMembers, type JsonMembersUndo } from './jsonMembers';
import { appendBlock, findBlock, insertBlockAt, removeBlock, replaceBlockBody, replaceLinesWithBlock, type BlockPlacement } from './markedBlock';
import { outlineToml, TomlShapeError } from './tomlOutline';
import { modelsSlot, readYaml, splitList, YamlShapeError } from './yamlModels';

/**
 * Connect, Disconnect and the state of one file target, on the file's text (no I/O here: agentFiles.ts
 * reads and writes). What Connect remembers is a `FileRecord`: no file contents, only where our part is,
 * digests of what we wrote, and — apart, because they may be a user's own credentials — the previous
 * values of the JSON members we replaced.
 */
export interface FileRecord {
  target: FileTargetId;
  path: string;
  /** There was no file: Disconnect deletes it when nothing but the seed is left. */
  createdFile: boolean;
  /** Folders Connect created for the file, deepest last; Disconnect removes those left empty. */
  createdDirs: string[];
  /** sha256 of each part we wrote (the block body, or each member's value), to tell ours from a change made since. */
  digests: Record<string, string>;
  placement?: BlockPlacement;
  json?: Omit<JsonMembersUndo, 'previous'>;
  /** How a YAML block's items sit: under a `models:` of our own, or inside the user's list at its indentation. */
  yaml?: YamlShape;
}

interface YamlShape {
  withKey: boolean;
  indent: string;
}

/** The previous values of replaced JSON members (raw JSON text; null when absent). May hold credentials. */
export type PreviousValues = Record<string, string | null>;

export interface ConnectPlan {
  path: string;
  before: string | undefined;
  after: string;
  /** The lines Connect adds or sets, as they will read in the file. */
  lines: string[];
  record: FileRecord;
  previous: PreviousValues;
}

/** ours and current: connected; ours but for an older port or token: outdated; changed by someone: drifted. */
export type FileState = 'connected' | 'outdated' | 'drifted' | 'missing';

/** A file Connect will not touch; the message says why, in the user's terms. */
export class ConnectRefused extends Error {}

const BLOCK_KEY = 'block';

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `exists` answers for other files than the target (an older file a new one would hide). */
export function planConnect(id: FileTargetId, ctx: ConnectContext, before: string | undefined, exists: (path: string) => boolean = () => false): ConnectPlan {
  const target = FILE_TARGETS[id];
  const path = target.path(ctx);
  const older = before === undefined ? target.olderFile?.(ctx) : undefined;
  if (older && exists(older)) {
    throw new ConnectRefused(
      `${path} was not created: the agent reads ${older} while there is none, and a new one would take its place. Move to the newer file first, or copy the lines from Copy Agent Setup.`,
    );
  }
  const base = before ?? target.seed;
  const record: FileRecord = { target: id, path, createdFile: before === undefined, createdDirs: [], digests: {} };
  if (target.format === 'toml-block') {
    const lines = target.lines(ctx);
    const after = connectToml(target, base, lines, path, record);
    return { path, before, after, lines, record, previous: {} };
  }
  if (target.format === 'yaml-list') {
    const { after, lines } = connectYaml(target, ctx, base, path, record);
    return { path, before, after, lines, record, previous: {} };
  }
  if (target.format === 'env-block') {
    const lines = target.lines(ctx);
    return { path, before, after: connectEnv(target, base, lines, path, record), lines, record, previous: {} };
  }
  const values = target.values(ctx);
  const refusal = checkJsonObject(base);
  if (refusal) throw new ConnectRefused(`${path} was left untouched: ${refusal}.`);
  const existing = readJsonMembers(base, target.objectPath, Object.keys(values)) ?? {};
  if (!target.notOursAlone && Object.keys(existing).length > 0 && sameValues(existing, values))
    throw new ConnectRefused(`${path} already points at KeyBridge.`);
  let result;
  try {
    result = setJsonMembers(base, target.objectPath, values);
  } catch (error) {
    throw new ConnectRefused(`${path} was left untouched: ${(error as Error).message}.`);
  }
  const { previous, ...json } = result.undo;
  record.json = json;
  record.digests = memberDigests(values);
  return { path, before, after: result.text, lines: jsonLines(target, values), record, previous };
}

function connectToml(target: TomlBlockTarget, base: string, lines: string[], path: string, record: FileRecord): string {
  const outline = tomlOutlineOrRefuse(base, path);
  if (!('absent' in findBlock(base, target.markers))) throw new ConnectRefused(`${path} already has a KeyBridge block ("${target.markers.begin}").`);
  const clash = target.clash(outline);
  if (clash) throw new ConnectRefused(`${path} was left untouched: ${clash}.`);
  let placed;
  if (target.placement === 'end' || outline.firstTable === undefined) {
    placed = appendBlock(base, target.markers, lines);
  } else {
    placed = insertBlockAt(base, blockStartAround(base, outline.firstTable), target.markers, lines);
  }
  record.placement = placed.placement;
  record.digests = { [BLOCK_KEY]: digest(lines.join('\n')) };
  return placed.text;
}

function connectEnv(target: EnvBlockTarget, base: string, lines: string[], path: string, record: FileRecord): string {
  if (!('absent' in findBlock(base, target.markers))) throw new ConnectRefused(`${path} already has a KeyBridge block ("${target.markers.begin}").`);
  const placed = appendBlock(base, target.markers, lines);
  record.placement = placed.placement;
  record.digests = { [BLOCK_KEY]: digest(lines.join('\n')) };
  return placed.text;
}

/** A root block goes before the first table; when that table is inside another block of ours, before that block. */
function blockStartAround(text: string, offset: number): number {
  for (const other of Object.values(FILE_TARGETS)) {
    if (other.format !== 'toml-block') continue;
    const lookup = findBlock(text, other.markers);
    if ('found' in lookup && lookup.found.start <= offset && offset < lookup.found.end) return lookup.found.start;
  }
  return offset;
}

function connectYaml(target: YamlListTarget, ctx: ConnectContext, base: string, path: string, record: FileRecord): { after: string; lines: string[] } {
  let slot;
  try {
    slot = modelsSlot(base, target.key);
  } catch (error) {
    if (error instanceof YamlShapeError) throw new ConnectRefused(`${path} was left untouched: it cannot take KeyBridge's entries (${error.message}).`);
    throw error;
  }
  if (!('absent' in findBlock(base, target.markers))) throw new ConnectRefused(`${path} already has a KeyBridge block ("${target.markers.begin}").`);
  const before = splitList(base, target.key);
  const taken = before.items.map((item) => (item as { name?: unknown } | null)?.name).filter((name) => target.names.includes(name as string));
  if (taken.length)
    throw new ConnectRefused(
      `${path} was left untouched: its ${target.key} list already has an entry named ${JSON.stringify(taken[0])}; remove it, then connect again.`,
    );
  const shape: YamlShape = slot.kind === 'before-item' ? { withKey: false, indent: slot.indent } : { withKey: true, indent: '  ' };
  const lines = yamlLines(target, ctx, shape);
  let placed;
  if (slot.kind === 'append') placed = appendBlock(base, target.markers, lines);
  else if (slot.kind === 'replace-line') placed = replaceLinesWithBlock(base, slot.start, slot.end, target.markers, lines);
  else placed = insertBlockAt(base, slot.offset, target.markers, lines, false);
  // The edit is textual: read the result back as Continue will before anything is written. Our entries must
  // head the list, the user's must follow unchanged, and nothing else may read differently (an anchored list,
  // a block scalar kept with its trailing blank lines).
  const after = splitListOrUndefined(placed.text, target.key);
  const ours = target.names.length;
  const names = after?.items.slice(0, ours).map((item) => (item as { name?: unknown } | null)?.name);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!after || !same(names, target.names) || !same(after.items.slice(ours), before.items) || !same(after.rest, before.rest)) {
    throw new ConnectRefused(
      `${path} was left untouched: with KeyBridge's entries added it would not read as the same file with two more models (an anchor, a trailing block scalar, or unusual indentation).`,
    );
  }
  record.placement = placed.placement;
  record.yaml = shape;
  record.digests = { [BLOCK_KEY]: digest(lines.join('\n')) };
  return { after: placed.text, lines };
}

function yamlLines(target: YamlListTarget, ctx: ConnectContext, shape: YamlShape): string[] {
  const items = target
    .items(ctx)
    .flat()
    .map((line) => shape.indent + line);
  return shape.withKey ? [`${target.key}:`, ...items] : items;
}

function splitListOrUndefined(text: string, key: string): ReturnType<typeof splitList> | undefined {
  try {
    return splitList(text, key);
  } catch (error) {
    if (error instanceof YamlShapeError) return undefined;
    throw error;
  }
}

function tomlOutlineOrRefuse(text: string, path: string) {
  try {
    return outlineToml(text);
  } catch (error) {
    if (error instanceof TomlShapeError) throw new ConnectRefused(`${path} was left untouched: it does not read as TOML (${error.message}).`);
    throw error;
  }
}

export function fileState(record: FileRecord, ctx: ConnectContext, current: string | undefined): FileState {
  if (current === undefined) return 'missing';
  const written = currentDigests(record, current);
  if (!written || !sameRecord(written, record.digests)) return 'drifted';
  const expected = expectedDigests(record, ctx);
  // Written by a version that set other members: rewriting values in place would leave the old ones behind,
  // so the user is asked to reconnect (Disconnect takes out what that version wrote).
  if (!sameKeys(expected, record.digests)) return 'drifted';
  return sameRecord(written, expected) ? 'connected' : 'outdated';
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => k in b);
}

/** Rewrites only our part for the current port and token (for an `outdated` file). */
export function planRefresh(record: FileRecord, ctx: ConnectContext, current: string): { after: string; record: FileRecord } {
  const target = FILE_TARGETS[record.target];
  if (target.format !== 'json-members') {
    const lines = blockLines(record, ctx);
    return { after: replaceBlockBody(current, target.markers, lines), record: { ...record, digests: { [BLOCK_KEY]: digest(lines.join('\n')) } } };
  }
  const values = target.values(ctx);
  // Every member is there (the file is only outdated), so this replaces values and adds nothing.
  return { after: setJsonMembers(current, target.objectPath, values).text, record: { ...record, digests: memberDigests(values) } };
}

/**
 * The file's text without our part: `null` to delete the file (it was ours alone). JSON members someone
 * changed since Connect stay as they are now: a change the user made on purpose is not undone.
 */
export function planDisconnect(record: FileRecord, previous: PreviousValues, current: string | undefined): string | null | undefined {
  if (current === undefined) return undefined;
  const target = FILE_TARGETS[record.target];
  let after: string;
  if (target.format !== 'json-members') {
    const lookup = findBlock(current, target.markers);
    if ('broken' in lookup) throw new ConnectRefused(`${record.path} was left untouched: ${lookup.broken}. Remove KeyBridge's lines by hand.`);
    if ('absent' in lookup) return undefined;
    after = removeBlock(current, target.markers, record.placement ?? { before: '', after: '' });
    if (target.format === 'yaml-list') checkYamlAfterRemoval(after, record.path);
  } else {
    const refusal = checkJsonObject(current);
    if (refusal) throw new ConnectRefused(`${record.path} was left untouched: ${refusal}.`);
    const now = readJsonMembers(current, target.objectPath, Object.keys(record.digests)) ?? {};
    // A previous value lost with the secret storage: the member is removed rather than left pointing at us.
    const stillOurs: PreviousValues = {};
    for (const [key, written] of Object.entries(record.digests)) {
      if (key in now && digest(JSON.stringify(now[key])) === written) stillOurs[key] = previous[key] ?? null;
    }
    if (Object.keys(stillOurs).length === 0) return undefined;
    after = restoreJsonMembers(current, { ...(record.json ?? { path: target.objectPath, created: 0 }), previous: stillOurs });
  }
  return record.createdFile && after === target.seed ? null : after;
}

/** A list the user added to under our `models:` would be cut off from its key: leave that to the user. */
function checkYamlAfterRemoval(after: string, path: string): void {
  try {
    readYaml(after);
  } catch (error) {
    if (!(error instanceof YamlShapeError)) throw error;
    throw new ConnectRefused(
      `${path} was left untouched: without KeyBridge's block it would not read as YAML (${error.message}). Remove KeyBridge's lines by hand.`,
    );
  }
}

function currentDigests(record: FileRecord, current: string): Record<string, string> | undefined {
  const target = FILE_TARGETS[record.target];
  if (target.format !== 'json-members') {
    const lookup = findBlock(current, target.markers);
    return 'found' in lookup ? { [BLOCK_KEY]: digest(lookup.found.body) } : undefined;
  }
  if (checkJsonObject(current)) return undefined;
  const now = readJsonMembers(current, target.objectPath, Object.keys(record.digests));
  return now && memberDigests(now);
}

function expectedDigests(record: FileRecord, ctx: ConnectContext): Record<string, string> {
  const target = FILE_TARGETS[record.target];
  return target.format === 'json-members' ? memberDigests(target.values(ctx)) : { [BLOCK_KEY]: digest(blockLines(record, ctx).join('\n')) };
}

/** The lines between our markers for the current port and token. */
function blockLines(record: FileRecord, ctx: ConnectContext): string[] {
  const target = FILE_TARGETS[record.target];
  if (target.format === 'toml-block' || target.format === 'env-block') return target.lines(ctx);
  if (target.format === 'yaml-list') return yamlLines(target, ctx, record.yaml ?? { withKey: true, indent: '  ' });
  throw new Error(`${record.target} has no block`);
}

function memberDigests(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, digest(JSON.stringify(value))]));
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(b);
  return keys.length === Object.keys(a).length && keys.every((k) => a[k] === b[k]);
}

function sameValues(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return sameRecord(memberDigests(a), memberDigests(b));
}

/** Our members as they will read (in the object `objectPath` names), for the preview. */
function jsonLines(target: JsonMembersTarget, values: Record<string, unknown>): string[] {
  const members = Object.entries(values).map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value, null, 2)}`);
  return [
    `in "${target.objectPath.join('.')}":`,
    ...members
      .join(',\n')
      .split('\n')
      .map((l) => `  ${l}`),
  ];
}
