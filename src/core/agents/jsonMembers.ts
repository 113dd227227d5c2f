import { scanJson, type JsonMember, type JsonNode } from './jsonSpans';
import { eolOf } from './textShape';

type JsonObject = Extract<JsonNode, { kind: 'object' }>;

/**
 * How to take our members out of a JSON file again. Kept by Connect; `previous` may hold a user's own
 * credential (a user's ANTHROPIC_AUTH_TOKEN we replaced), so the hosts keep it with their secrets.
 */
export interface JsonMembersUndo {
  /** The object our members live in, e.g. `["env"]`. */
  path: string[];
  /** How many trailing segments of `path` Connect created (0: the whole path was there). */
  created: number;
  /** The text of the object Connect wrote into when it had no members (`{}`, `{ }`…), put back when ours go. */
  emptyRaw?: string;
  /** Each member we set, with the text of its value before, or null when it was absent. In the order written. */
  previous: Record<string, string | null>;
}

class JsonShapeError extends Error {}

/** Whether the text is a JSON object at its root; an error names why not, in the user's terms. */
export function checkJsonObject(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `it is not valid JSON (${(error as Error).message}); comments or trailing commas are not supported`;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'its top level is not a JSON object';
  return undefined;
}

/**
 * Sets `values` as members of the object at `path` (created when missing), each value in place of an
 * existing one or appended after the object's last member, in the file's own indentation and line ends.
 */
export function setJsonMembers(text: string, path: readonly string[], values: Record<string, unknown>): { text: string; undo: JsonMembersUndo } {
  const undo: JsonMembersUndo = { path: [...path], created: 0, previous: {} };
  let anchor = rootObject(text);
  let depth = 0;
  for (; depth < path.length; depth++) {
    const member = anchor.members.find((m) => m.key === path[depth]);
    if (!member) break;
    if (member.value.kind !== 'object') throw new JsonShapeError(`"${path.slice(0, depth + 1).join('.')}" is not an object`);
    anchor = member.value;
  }
  if (depth < path.length) {
    // Build the missing part of the path around our members and insert it as one member.
    let nested: unknown = values;
    for (let i = path.length - 1; i > depth; i--) nested = { [path[i]]: nested };
    undo.created = path.length - depth;
    if (anchor.members.length === 0) undo.emptyRaw = text.slice(anchor.start, anchor.end);
    for (const key of Object.keys(values)) undo.previous[key] = null;
    return { text: insertMember(text, anchor, path[depth], nested), undo };
  }
  if (anchor.members.length === 0) undo.emptyRaw = text.slice(anchor.start, anchor.end);
  for (const [key, value] of Object.entries(values)) {
    const target = objectAt(text, path);
    const existing = target.members.find((m) => m.key === key);
    if (existing) {
      undo.previous[key] = text.slice(existing.value.start, existing.value.end);
      text = text.slice(0, existing.value.start) + formatValue(text, value, indentOfLine(text, existing.keyStart)) + text.slice(existing.value.end);
    } else {
      undo.previous[key] = null;
      text = insertMember(text, target, key, value);
    }
  }
  return { text, undo };
}

/** Takes our members out again: previous values back in place, added members (and objects we created) removed. */
export function restoreJsonMembers(text: string, undo: JsonMembersUndo): string {
  const keys = Object.keys(undo.previous);
  const anchorDepth = undo.path.length - undo.created;
  const anchor = tryObjectAt(text, undo.path.slice(0, anchorDepth));
  if (!anchor) return text;
  if (undo.created > 0) {
    const top = anchor.members.find((m) => m.key === undo.path[anchorDepth]);
    if (!top) return text;
    // Nothing but ours under what we created: take the whole member away, as it was added.
    if (onlyOurs(JSON.parse(text.slice(top.value.start, top.value.end)), undo.path.slice(anchorDepth + 1), keys))
      return removeMember(text, anchor, top, undo.emptyRaw);
  }
  for (const key of [...keys].reverse()) {
    const target = tryObjectAt(text, undo.path);
    const member = target?.members.find((m) => m.key === key);
    if (!target || !member) continue;
    const before = undo.previous[key];
    if (before === null) {
      text = removeMember(text, target, member, undo.created === 0 ? undo.emptyRaw : undefined);
    } else {
      text = text.slice(0, member.value.start) + before + text.slice(member.value.end);
    }
  }
  if (undo.created > 0) {
    // The user added members beside ours: ours are gone, and what we created is empty now.
    const top = tryObjectAt(text, undo.path.slice(0, anchorDepth))?.members.find((m) => m.key === undo.path[anchorDepth]);
    const topAnchor = tryObjectAt(text, undo.path.slice(0, anchorDepth));
    if (top && topAnchor && onlyOurs(JSON.parse(text.slice(top.value.start, top.value.end)), undo.path.slice(anchorDepth + 1), []))
      text = removeMember(text, topAnchor, top, undo.emptyRaw);
  }
  return text;
}

/** The current values of `keys` in the object at `path` (absent keys left out); undefined when the path is missing. */
export function readJsonMembers(text: string, path: readonly string[], keys: readonly string[]): Record<string, unknown> | undefined {
  const target = tryObjectAt(text, path);
  if (!target) return undefined;
  const found: Record<string, unknown> = {};
  for (const member of target.members) {
    if (keys.includes(member.key)) found[member.key] = JSON.parse(text.slice(member.value.start, member.value.end));
  }
  return found;
}

function onlyOurs(value: unknown, rest: readonly string[], keys: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const own = Object.keys(value);
  if (rest.length === 0) return own.every((k) => keys.includes(k));
  return own.length === 1 && own[0] === rest[0] && onlyOurs((value as Record<string, unknown>)[rest[0]], rest.slice(1), keys);
}

function rootObject(text: string): JsonObject {
  const root = scanJson(text);
  if (root.kind !== 'object') throw new JsonShapeError('its top level is not a JSON object');
  return root;
}

function tryObjectAt(text: string, path: readonly string[]): JsonObject | undefined {
  let node: JsonNode = rootObject(text);
  for (const key of path) {
    if (node.kind !== 'object') return undefined;
    const member: JsonMember | undefined = node.members.find((m) => m.key === key);
    if (!member) return undefined;
    node = member.value;
  }
  return node.kind === 'object' ? node : undefined;
}

function objectAt(text: string, path: readonly string[]): JsonObject {
  const found = tryObjectAt(text, path);
  if (!found) throw new JsonShapeError(`"${path.join('.')}" is not an object`);
  return found;
}

/** Appends `"key": value` after the object's last member (or fills an empty object), in the file's style. */
function insertMember(text: string, object: JsonObject, key: string, value: unknown): string {
  const eol = eolOf(text);
  const last = object.members.at(-1);
  if (!last) {
    const outer = indentOfLine(text, object.start);
    const inner = outer + indentUnit(text);
    const member = `${JSON.stringify(key)}: ${formatValue(text, value, inner)}`;
    return `${text.slice(0, object.start)}{${eol}${inner}${member}${eol}${outer}}${text.slice(object.end)}`;
  }
  const first = object.members[0];
  const colon = text.slice(first.keyEnd, first.value.start);
  const multiline = /[\r\n]/.test(text.slice(object.start, first.keyStart));
  const indent = indentOfLine(text, first.keyStart);
  const separator = multiline ? `,${eol}${indent}` : ', ';
  const rendered = multiline ? formatValue(text, value, indent) : JSON.stringify(value);
  return `${text.slice(0, last.value.end)}${separator}${JSON.stringify(key)}${colon}${rendered}${text.slice(last.value.end)}`;
}

/** Removes a member with the separator that joins it to its neighbour: the exact inverse of `insertMember`. */
function removeMember(text: string, object: JsonObject, member: JsonMember, emptyRaw: string | undefined): string {
  const index = object.members.indexOf(member);
  if (index > 0) return text.slice(0, object.members[index - 1].value.end) + text.slice(member.value.end);
  const next = object.members.at(1);
  if (next) return text.slice(0, member.keyStart) + text.slice(next.keyStart);
  return text.slice(0, object.start) + (emptyRaw ?? '{}') + text.slice(object.end);
}

function formatValue(text: string, value: unknown, indent: string): string {
  return JSON.stringify(value, null, indentUnit(text)).replace(/\n/g, eolOf(text) + indent);
}

/** The whitespace that starts the line holding `offset`. */
function indentOfLine(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '';
}

/** The file's indentation step, read from its first indented line; two spaces when it has none. */
function indentUnit(text: string): string {
  const match = /\n([ \t]+)\S/.exec(text);
  return match ? match[1] : '  ';
}
