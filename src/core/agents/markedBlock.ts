import { eolOf } from './textShape';

/**
 * A block of lines KeyBridge owns inside a user's file, between two comment lines that say so. Connect
 * inserts it and remembers the exact separator it added around it; Disconnect takes out the block and
 * that separator, so a file nobody else touched comes back byte for byte.
 */
export interface BlockMarkers {
  begin: string;
  end: string;
}

/** Markers for `#`-comment files (TOML); `name` tells two blocks in one file apart. */
export function hashMarkers(name: string): BlockMarkers {
  return { begin: `# >>> ${name} (managed; Disconnect removes this) >>>`, end: `# <<< ${name} <<<` };
}

export interface BlockPlacement {
  /** Text Connect put before the begin marker (a line end closing the user's last line, a blank line). */
  before: string;
  /** Text Connect put after the end marker's line. */
  after: string;
  /** The user's line the block took the place of (a YAML `models: []`); Disconnect puts it back. */
  replaced?: string;
}

interface FoundBlock {
  /** Offset of the begin marker line. */
  start: number;
  /** Offset after the end marker line and its line end. */
  end: number;
  /** The lines between the markers, joined with `\n`. */
  body: string;
}

export type BlockLookup = { found: FoundBlock } | { absent: true } | { broken: string };

export function findBlock(text: string, markers: BlockMarkers): BlockLookup {
  const lines = splitLines(text);
  const begins = lines.filter((l) => l.text.trim() === markers.begin);
  const ends = lines.filter((l) => l.text.trim() === markers.end);
  if (begins.length === 0 && ends.length === 0) return { absent: true };
  if (begins.length !== 1 || ends.length !== 1 || ends[0].start < begins[0].start) {
    return { broken: `its "${markers.begin}" … "${markers.end}" lines are not one begin followed by one end` };
  }
  const begin = begins[0];
  const end = ends[0];
  const body = lines
    .filter((l) => l.start > begin.start && l.start < end.start)
    .map((l) => l.text)
    .join('\n');
  return { found: { start: begin.start, end: end.end, body } };
}

/** The block's full text in the file's line ends, each line (markers included) ended. */
function renderBlock(markers: BlockMarkers, bodyLines: readonly string[], eol: string): string {
  return [markers.begin, ...bodyLines, markers.end].map((l) => l + eol).join('');
}

/** Appends the block at the end, after a blank line when the file has content. */
export function appendBlock(text: string, markers: BlockMarkers, bodyLines: readonly string[]): { text: string; placement: BlockPlacement } {
  const eol = eolOf(text);
  let before = '';
  if (text.length > 0) {
    if (!text.endsWith('\n')) before += eol;
    if (!(text + before).endsWith(eol + eol)) before += eol;
  }
  return { text: text + before + renderBlock(markers, bodyLines, eol), placement: { before, after: '' } };
}

/**
 * Inserts the block at the start of the line at `offset`: before a TOML table header with a blank line
 * after it, or (`blankAfter` false) before the first item of a list.
 */
export function insertBlockAt(
  text: string,
  offset: number,
  markers: BlockMarkers,
  bodyLines: readonly string[],
  blankAfter = true,
): { text: string; placement: BlockPlacement } {
  const eol = eolOf(text);
  const after = blankAfter && offset < text.length ? eol : '';
  return { text: text.slice(0, offset) + renderBlock(markers, bodyLines, eol) + after + text.slice(offset), placement: { before: '', after } };
}

/** Puts the block in place of the whole lines from `start` to `end`, remembering them for Disconnect. */
export function replaceLinesWithBlock(
  text: string,
  start: number,
  end: number,
  markers: BlockMarkers,
  bodyLines: readonly string[],
): { text: string; placement: BlockPlacement } {
  const block = renderBlock(markers, bodyLines, eolOf(text));
  return { text: text.slice(0, start) + block + text.slice(end), placement: { before: '', after: '', replaced: text.slice(start, end) } };
}

/** Replaces the lines between the markers, leaving the markers and everything around them as they are. */
export function replaceBlockBody(text: string, markers: BlockMarkers, bodyLines: readonly string[]): string {
  const lookup = findBlock(text, markers);
  if (!('found' in lookup)) throw new Error('no KeyBridge block to update');
  return text.slice(0, lookup.found.start) + renderBlock(markers, bodyLines, eolOf(text)) + text.slice(lookup.found.end);
}

/** Removes the block and the separators Connect added around it, when they are still there. */
export function removeBlock(text: string, markers: BlockMarkers, placement: BlockPlacement): string {
  const lookup = findBlock(text, markers);
  if (!('found' in lookup)) return text;
  let { start, end } = lookup.found;
  if (placement.before && text.slice(start - placement.before.length, start) === placement.before) start -= placement.before.length;
  if (placement.after && text.slice(end, end + placement.after.length) === placement.after) end += placement.after.length;
  return text.slice(0, start) + (placement.replaced ?? '') + text.slice(end);
}

interface Line {
  start: number;
  /** Offset after the line's line end. */
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const lf = text.indexOf('\n', start);
    const end = lf < 0 ? text.length : lf + 1;
    lines.push({ start, end, text: text.slice(start, end).replace(/\r?\n$/, '') });
    start = end;
  }
  return lines;
}
