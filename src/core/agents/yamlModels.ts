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

/** The parser's error codes in words. Its messages are not used: some quote the file, which may hold keys. */
const YAML_ERRORS: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'a key appears twice in one mapping',
  BAD_INDENT: 'a line is indented where YAML does not allow it',
  TAB_AS_INDENT: 'a tab is used for indentation',
  MULTIPLE_DOCS: 'it holds more than one YAML document',
  MISSING_CHAR: 'a quote or bracket is not closed',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape',
  BLOCK_SCALAR_HEADER_ERROR: 'a block scalar (| or >) has a malformed header',
  TAG_RESOLVE_FAILED: 'a !tag is not one YAML knows',
  BAD_ALIAS: 'an alias (*name) has no anchor',
};

/** Parses the file as Continue would; a YamlShapeError says why it cannot be edited, never quoting the file. */
export function readYaml(text: string): { doc: Document.Parsed; data: unknown } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0] as (typeof doc.errors)[number] | undefined;
  if (error)
    throw new YamlShapeError(
      `line ${lineOf(text, error.pos[0])}: ${YAML_ERRORS[error.code] ?? `it does not read as YAML (${error.code.toLowerCase().replace(/_/g, ' ')})`}`,
    );
  if (doc.contents !== null && !isMap(doc.contents)) throw new YamlShapeError('its top level is not a list of `key: value` settings');
  if (isMap(doc.contents) && doc.contents.flow) throw new YamlShapeError('its settings are written on one line in braces ({…})');
  let data: unknown;
  try {
    // Resolving aliases happens here, not in the parse: an alias without its anchor throws.
    data = doc.toJS();
  } catch {
    throw new YamlShapeError(YAML_ERRORS.BAD_ALIAS);
  }
  return { doc, data };
}

export function modelsSlot(text: string, key: string): ModelsSlot {
  const { doc } = readYaml(text);
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
  if (value.flow)
    throw new YamlShapeError(
      `its "${key}" list is written on one line in brackets ([…]): write it as one "- " item per line, or add KeyBridge's entries by hand`,
    );
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

/** The file as plain data, split into the `key` list's items and everything else (to compare before and after an edit). */
export function splitList(text: string, key: string): { items: unknown[]; rest: Record<string, unknown> } {
  const { data } = readYaml(text);
  const { [key]: list, ...rest } = (data ?? {}) as Record<string, unknown>;
  return { items: Array.isArray(list) ? (list as unknown[]) : [], rest };
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
