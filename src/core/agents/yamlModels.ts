import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';

/**
 * Where a marked block of list items can go in a YAML file's top-level `models:` list (Continue's
 * config.yaml), without rewriting anything of the user's. The file is parsed with the `yaml` package
 * (the parser Continue itself uses) to find the list; the edit itself stays textual, so comments,
 * quoting and order are kept byte for byte.
 */
export type ModelsSlot =
  /** No `models` key: a block holding `models:` and the items is appended at the end. */
  | { kind: 'append' }
  /** `models: []` or a bare `models:` on one line: the block (with its own `models:`) takes that line's place. */
  | { kind: 'replace-line'; start: number; end: number }
  /** A block list: the items go in front of its first item, at its indentation. */
  | { kind: 'before-item'; offset: number; indent: string };

export class YamlShapeError extends Error {}

/** Parses the file as Continue would; a YamlShapeError says why it cannot be edited (never quoting the file). */
export function readYaml(text: string): Document.Parsed {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0] as (typeof doc.errors)[number] | undefined;
  // The message alone, with a line number: the parser's excerpt of the file could show a key.
  if (error) throw new YamlShapeError(`line ${lineOf(text, error.pos[0])}: ${error.message.split('\n')[0]}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new YamlShapeError('its top level is not a list of `key: value` settings');
  if (isMap(doc.contents) && doc.contents.flow) throw new YamlShapeError('its settings are written on one line in braces ({…})');
  return doc;
}

export function modelsSlot(text: string, key: string): ModelsSlot {
  const doc = readYaml(text);
  const pair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === key) : undefined;
  if (!pair) return { kind: 'append' };
  const value = pair.value;
  const keyStart = isScalar(pair.key) ? pair.key.range[0] : 0;
  const lineStart = text.lastIndexOf('\n', keyStart - 1) + 1;
  if (value === null || (isScalar(value) && value.value === null) || (isSeq(value) && value.flow && value.items.length === 0)) {
    const lineEnd = endOfLine(text, keyStart);
    if (text.slice(lineStart, keyStart).trim() !== '' || (value ? value.range[1] : keyStart) > lineEnd) {
      throw new YamlShapeError(`its empty "${key}" list spans more than one line`);
    }
    return { kind: 'replace-line', start: lineStart, end: lineEnd };
  }
  if (!isSeq(value)) throw new YamlShapeError(`its "${key}" is not a list`);
  if (value.flow) throw new YamlShapeError(`its "${key}" list is written on one line in brackets ([…]): write it as one "- " item per line, or add KeyBridge's entries by hand`);
  const first = value.range[0];
  const itemLine = text.lastIndexOf('\n', first - 1) + 1;
  const indent = text.slice(itemLine, first);
  if (indent.trim() !== '') throw new YamlShapeError(`its "${key}" list does not start on a line of its own`);
  return { kind: 'before-item', offset: aboveComments(text, itemLine), indent };
}

/** The start of the comment lines right above a line (they describe the user's first entry, and stay with it). */
function aboveComments(text: string, lineStart: number): number {
  let start = lineStart;
  while (start > 0) {
    const previous = text.lastIndexOf('\n', start - 2) + 1;
    if (!text.slice(previous, start).trim().startsWith('#')) break;
    start = previous;
  }
  return start;
}

/** The list items of the user's `key` list, as plain values (for checking that our entries are in it). */
export function listValues(text: string, key: string): unknown[] | undefined {
  const value: unknown = (readYaml(text).toJS() as Record<string, unknown> | null)?.[key];
  return Array.isArray(value) ? value : undefined;
}

/** Offset just past the line end of the line holding `offset` (or the text's end). */
function endOfLine(text: string, offset: number): number {
  const lf = text.indexOf('\n', offset);
  return lf < 0 ? text.length : lf + 1;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
