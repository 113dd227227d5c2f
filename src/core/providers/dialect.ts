/**
 * A provider dialect: how one provider's OpenAI-compatible API differs from OpenAI's own, declared once here and
 * named by a pool (or its preset), never guessed from a hostname inside translation (docs/ARCHITECTURE.md §9).
 * Only what a translated request or answer must do differently is a trait; a same-protocol relay ignores all of it.
 */
export type DialectId = 'openai' | 'azure' | 'deepseek' | 'gemini' | 'moonshot' | 'openrouter' | 'mistral' | 'groq' | 'xai' | 'together' | 'generic';

/** Where a provider wants the reasoning of an earlier assistant turn back, if it wants it at all. */
export type ReasoningReturn =
  /** Nothing: earlier reasoning is not sent (most providers ignore or refuse it). */
  | 'none'
  /**
   * The assistant turn's `reasoning_content` beside its `tool_calls`, on every turn that made tool calls: DeepSeek's
   * thinking mode refuses a later request without it ("in all subsequent user interaction turns", not only in the
   * tool loop still open); Kimi's thinking models want it kept.
   */
  | 'reasoning_content'
  /** Each tool call's `extra_content.google.thought_signature` (Gemini 3 refuses a function call without one). */
  | 'thought_signature';

export interface DialectTraits {
  readonly id: DialectId;
  /** How the answer's length limit is named: OpenAI's reasoning models refuse `max_tokens`. */
  readonly tokenLimitField: 'max_tokens' | 'max_completion_tokens';
  /** Whether `reasoning_effort` may be sent for this model. */
  reasoningEffort(model: string): boolean;
  /** The JSON Schema the provider takes in tool parameters: all of it, or Gemini's OpenAPI subset. */
  readonly toolSchema: 'json-schema' | 'gemini-subset';
  readonly reasoningReturn: ReasoningReturn;
  /**
   * The tool-call ids the provider takes back in a history: OpenAI's rule (at most 40 characters) or Mistral's
   * (exactly nine letters and digits), which refuses the ids of every other provider.
   */
  readonly toolCallIds: 'up-to-40' | 'nine-alphanumeric';
  /** Whether the API takes image parts at all: DeepSeek's refuses the request over one ("unknown variant `image_url`"). */
  readonly images: boolean;
}

const OPENAI_REASONING_MODEL = /^(o\d|gpt-5)/;

const compatible = (id: DialectId, traits: Partial<DialectTraits> = {}): DialectTraits => ({
  id,
  tokenLimitField: 'max_tokens',
  reasoningEffort: () => false,
  toolSchema: 'json-schema',
  reasoningReturn: 'none',
  toolCallIds: 'up-to-40',
  images: true,
  ...traits,
});

const DIALECTS: Record<DialectId, DialectTraits> = {
  openai: compatible('openai', { tokenLimitField: 'max_completion_tokens', reasoningEffort: (model) => OPENAI_REASONING_MODEL.test(model) }),
  azure: compatible('azure', { tokenLimitField: 'max_completion_tokens', reasoningEffort: (model) => OPENAI_REASONING_MODEL.test(model) }),
  deepseek: compatible('deepseek', { reasoningReturn: 'reasoning_content', images: false }),
  gemini: compatible('gemini', { toolSchema: 'gemini-subset', reasoningReturn: 'thought_signature' }),
  moonshot: compatible('moonshot', { reasoningReturn: 'reasoning_content' }),
  openrouter: compatible('openrouter'),
  mistral: compatible('mistral', { toolCallIds: 'nine-alphanumeric' }),
  groq: compatible('groq'),
  xai: compatible('xai'),
  together: compatible('together'),
  generic: compatible('generic'),
};

export const DIALECT_IDS = Object.keys(DIALECTS) as DialectId[];

export function dialectTraits(id: DialectId | undefined): DialectTraits {
  return DIALECTS[id ?? 'generic'];
}

/** The hosts of the providers whose dialect a pool need not declare: for configs written before pools named one. */
const KNOWN_HOSTS: readonly (readonly [RegExp, DialectId])[] = [
  [/^api\.openai\.com$/, 'openai'],
  [/\.openai\.azure\.com$/, 'azure'],
  [/^api\.deepseek\.com$/, 'deepseek'],
  [/^generativelanguage\.googleapis\.com$/, 'gemini'],
  [/^api\.moonshot\.(ai|cn)$/, 'moonshot'],
  [/^openrouter\.ai$/, 'openrouter'],
  [/^(api|codestral)\.mistral\.ai$/, 'mistral'],
  [/^api\.groq\.com$/, 'groq'],
  [/^api\.x\.ai$/, 'xai'],
  [/^api\.together\.(xyz|ai)$/, 'together'],
];

/**
 * The dialect of a pool: the one it declares, else the one its base URL's host is known for, else `generic`.
 * Resolved once where the pool is configured; translation only reads the result.
 */
export function poolDialect(pool: { dialect?: DialectId; baseUrl: string }): DialectId {
  if (pool.dialect) return pool.dialect;
  let host: string;
  try {
    host = new URL(pool.baseUrl).hostname.toLowerCase();
  } catch {
    return 'generic';
  }
  return KNOWN_HOSTS.find(([pattern]) => pattern.test(host))?.[1] ?? 'generic';
}
