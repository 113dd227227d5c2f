/**
 * Token counts as providers report them; `max` because some repeat cumulative totals in later events.
 * `input` is the provider's own figure: OpenAI's counts the cached tokens too (`cachedInInput`), Anthropic's
 * does not (its cache reads and writes are counted beside it).
 */
export interface UsageSeen {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** The cache read came as OpenAI's `cached_tokens`, a part of `input` rather than beside it. */
  cachedInInput?: boolean;
}

export function emptyUsage(): UsageSeen {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}

/** Reads token counts out of a JSON text without parsing it (hot path: only texts that carry a usage are searched). */
export interface UsageReader {
  /**
   * Text every text it takes a count from holds: a relay need not decode events without it. The end of the count
   * fields' names, not the usage object's name: OpenAI streams asked for usage send `"usage":null` in every chunk.
   */
  readonly mark: string;
  scan(text: string, usage: UsageSeen): void;
}

/** The names a format gives its token counts. */
export interface UsageFields {
  input: readonly string[];
  output: readonly string[];
  /** A cache read counted beside the input (Anthropic). */
  cacheRead?: string;
  cacheWrite?: string;
  /** A cache read counted inside the input (OpenAI's `cached_tokens`); a `cacheRead` in the same text wins. */
  cachedInInput?: string;
}

const field = (names: readonly string[]): RegExp => new RegExp(`"(?:${names.join('|')})"\\s*:\\s*(\\d+)`);

/** A reader for one format's names; its patterns are compiled once, when the format is defined. */
export function usageReader(fields: UsageFields): UsageReader {
  const input = field(fields.input);
  const output = field(fields.output);
  const cacheRead = fields.cacheRead === undefined ? undefined : field([fields.cacheRead]);
  const cacheWrite = fields.cacheWrite === undefined ? undefined : field([fields.cacheWrite]);
  const cached = fields.cachedInInput === undefined ? undefined : field([fields.cachedInInput]);
  return {
    mark: `${commonEnd([...fields.input, ...fields.output, fields.cacheRead, fields.cacheWrite, fields.cachedInInput])}"`,
    scan(whole, usage) {
      const at = usageObjectAt(whole);
      if (at === -1) return;
      const text = at === 0 ? whole : whole.slice(at);
      const inputSeen = input.exec(text);
      const outputSeen = output.exec(text);
      if (inputSeen) usage.input = Math.max(usage.input, Number(inputSeen[1]));
      if (outputSeen) usage.output = Math.max(usage.output, Number(outputSeen[1]));
      if (!text.includes('cache')) return;
      const read = cacheRead?.exec(text);
      if (read) usage.cacheRead = Math.max(usage.cacheRead, Number(read[1]));
      const write = cacheWrite?.exec(text);
      if (write) usage.cacheWrite = Math.max(usage.cacheWrite, Number(write[1]));
      const inInput = read ? undefined : cached?.exec(text);
      if (inInput) {
        usage.cacheRead = Math.max(usage.cacheRead, Number(inInput[1]));
        usage.cachedInInput = true;
      }
    },
  };
}

const OBJECT_FOLLOWS = /\s*:\s*\{/y;

/**
 * Where the answer's usage object starts: the last `"usage"` key holding an object. Every format keeps its counts
 * there, after the content, the tool calls and the echoed tool schemas; those may hold keys of the same names (an
 * Anthropic tool call's input is a JSON object), and the answer's text or an embedding may be most of the answer,
 * so the counts' patterns are not run over what comes before it.
 */
function usageObjectAt(text: string): number {
  for (let at = text.lastIndexOf('"usage"'); at !== -1; at = at === 0 ? -1 : text.lastIndexOf('"usage"', at - 1)) {
    OBJECT_FOLLOWS.lastIndex = at + '"usage"'.length;
    if (OBJECT_FOLLOWS.test(text)) return at;
  }
  return -1;
}

/** The longest text every name ends with (`_tokens`); empty when they share no end. */
function commonEnd(names: readonly (string | undefined)[]): string {
  const present = names.filter((name) => name !== undefined);
  let end = present[0] ?? '';
  for (const name of present) while (!name.endsWith(end)) end = end.slice(1);
  return end;
}

/** For answers of no known format (embeddings, pass-through paths) and mixed texts: every name any format uses. */
export const ANY_USAGE: UsageReader = usageReader({
  input: ['input_tokens', 'prompt_tokens'],
  output: ['output_tokens', 'completion_tokens'],
  cacheRead: 'cache_read_input_tokens',
  cacheWrite: 'cache_creation_input_tokens',
  cachedInInput: 'cached_tokens',
});

// Gemini names it `modelVersion`.
const MODEL = /"model(?:Version)?"\s*:\s*"([^"\\]{1,200})"/;

/**
 * The model an answer names (the one that served it, which a provider may resolve from an alias), from a JSON
 * text without parsing it; a quote inside a JSON string is escaped, so the prompt or answer text cannot forge it.
 * A copy, not the match: V8 makes a match of 13 characters or more a slice that keeps the whole text alive, and
 * the usage store keeps the name for days (a dated model name kept every answer it came in). Slicing a joined
 * string makes V8 copy it out first (a fifth of the cost of a round trip through a Buffer).
 */
export function scanModel(text: string): string | undefined {
  const name = MODEL.exec(text)?.[1];
  return name === undefined ? undefined : ` ${name}`.slice(1);
}
