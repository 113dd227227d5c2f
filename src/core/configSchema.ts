/**
 * The parts of the configuration that the CLI's config file and the VS Code settings share, defined once:
 * both hosts check their input with these schemas (cli/fileSchema.ts, vscode/settings/settingsSchema.ts), and
 * scripts/generateSchemas.mjs turns the same objects into the JSON Schemas editors read
 * (keybridge.schema.json, package.json `contributes.configuration`). Each message is what the user reads
 * after the field's name, so it says what the field accepts, never what it received (a value might be a key).
 *
 * Nested objects are `v.object`: an unknown field in a pool or a route is dropped, as it always was, while
 * the generated JSON Schema closes them (additionalProperties: false) so an editor flags the typo. The
 * tuning and deadline objects are strict at run time too: a misspelt knob would otherwise do nothing.
 */
import * as v from 'valibot';
import { DIALECT_IDS } from './providers/dialect';

// A check without its own message would fall back to valibot's, which quotes the value it refused, and a value
// in the wrong place may be a key. Every check here names what it wants; this catches any that does not.
v.setGlobalMessage((issue) => `has the wrong type or value (expected ${issue.expected ?? 'something else'})`);

export const PROTOCOLS = ['openai', 'anthropic', 'gemini'] as const;
export const SELECTION_STRATEGIES = ['fill-first', 'round-robin', 'weighted'] as const;

/** How a provider takes the start of an answer to continue (a pool's `prefill`). */
const PREFILL_STYLES = ['assistant', 'prefix', 'none'] as const;
export type PrefillStyle = (typeof PREFILL_STYLES)[number];

interface Knob {
  readonly default: number;
  readonly min: number;
  readonly max?: number;
  /** Counts are whole numbers; durations may be fractional milliseconds, as they always could. */
  readonly integer?: boolean;
  readonly meaning: string;
}

/** Every tuning knob: its default, what it accepts and what it means (the settings, the schema and --help read it). */
export const TUNING_KNOBS = {
  maxAttempts: { default: 8, min: 1, integer: true, meaning: 'Upstream attempts for one request, across all targets.' },
  budgetMs: { default: 45_000, min: 1, meaning: 'Time after which no new attempt starts for a request (waits and retries included).' },
  waitThresholdMs: { default: 3_000, min: 0, meaning: 'Longest wait for a cooling key of the current target before moving on.' },
  connectTimeoutMs: { default: 10_000, min: 1, meaning: 'Time to open a connection to the provider.' },
  headersTimeoutMs: { default: 30_000, min: 1, meaning: "Streams: time to response headers before moving to the route's next target." },
  firstEventTimeoutMs: {
    default: 45_000,
    min: 1,
    meaning: "Streams: time to the first content event (lifecycle events do not count) before moving to the route's next target.",
  },
  firstByteTimeoutMs: { default: 240_000, min: 1, meaning: "Streams on the route's last target: longest wait for headers and the first event." },
  idleTimeoutMs: { default: 120_000, min: 1, meaning: 'Longest silence inside an answer (stall detection).' },
  nonStreamTimeoutMs: { default: 600_000, min: 1, meaning: 'Non-streamed answers: request to complete headers; room for long reasoning.' },
  maxBodyBytes: { default: 32 * 1024 * 1024, min: 1, integer: true, meaning: 'Largest request body the bridge accepts.' },
  // At most 64 MiB: the last event of a Responses answer repeats its text up to four times, in one string, and V8 strings stop at 512 MiB.
  maxAnswerBytes: {
    default: 16 * 1024 * 1024,
    min: 1,
    max: 64 * 1024 * 1024,
    integer: true,
    meaning:
      "Most of one streamed answer the bridge holds in memory: a Responses stream translated from another protocol (its last event repeats the whole output) is ended with the client's error past it, and a stream is no longer continued after a cut.",
  },
  defaultCooldownMs: { default: 30_000, min: 0, meaning: 'Cooldown after a 429 without retry hints; jittered by ±20 %.' },
  transientRetries: {
    default: 2,
    min: 0,
    integer: true,
    meaning: "Retries of a 5xx, 529 or reset on one target before moving to the route's next target. On the last target the retry budget decides instead.",
  },
  transientBackoffMs: { default: 250, min: 0, meaning: 'Base of the exponential backoff before each transient retry (capped at 2 s).' },
  retryBudgetPercent: {
    default: 0.2,
    min: 0,
    max: 1,
    meaning:
      'Retries of transient faults a target may take, as a share of its recent requests: under a total outage the provider sees at most about (1 + this)× the requests, plus the floor.',
  },
  retryBudgetMinPerSec: {
    default: 3,
    min: 0,
    meaning: 'Retries per second a target may take whatever its traffic (the floor of the retry budget), so a quiet target still retries.',
  },
  retryBudgetWindowMs: { default: 10_000, min: 100, meaning: 'How long requests count towards the retry budget, and retries against it.' },
  firstEventFloorMs: {
    default: 5_000,
    min: 1,
    meaning:
      "Streams, while the route has another target: the shortest first-event deadline learned from a target's recent streams (95th percentile × firstEventMargin, at most firstEventTimeoutMs). Set it to firstEventTimeoutMs to turn learning off.",
  },
  firstEventMargin: { default: 3, min: 1, meaning: "Multiplies the 95th percentile of a target's recent times to first event into its learned deadline." },
  keyBenchMs: { default: 30_000, min: 0, meaning: 'How long a key whose own connections keep failing while its siblings succeed is passed over.' },
  breakerWindowMs: { default: 30_000, min: 10, meaning: "The breaker's sliding window." },
  breakerMinRequests: { default: 10, min: 1, integer: true, meaning: 'Attempts in the window before the breaker may open.' },
  breakerFailureRate: { default: 0.5, min: 0.01, max: 1, meaning: 'Share of failed attempts in the window that opens the breaker.' },
  breakerOpenMs: { default: 15_000, min: 1, meaning: 'How long an open breaker skips its target before letting probes through.' },
  breakerProbes: { default: 3, min: 1, integer: true, meaning: 'Probes a half-open breaker lets through at once.' },
  rateLimitBackoffMs: { default: 250, min: 0, meaning: 'Base of the backoff between repeated rate limits inside one request.' },
  invalidRetestMs: { default: 60_000, min: 1, meaning: 'First automatic re-test of an invalid key; doubles up to retestMaxMs.' },
  exhaustedRetestMs: { default: 30 * 60_000, min: 1, meaning: 'Interval of the automatic re-test of an exhausted (out of quota) key.' },
  retestMaxMs: { default: 60 * 60_000, min: 1, meaning: 'Longest interval between re-tests of an invalid key.' },
} satisfies Record<string, Knob>;

export type TuningKnob = keyof typeof TUNING_KNOBS;
const KNOBS: Record<TuningKnob, Knob> = TUNING_KNOBS;
export const TUNING_KNOB_NAMES = Object.keys(KNOBS) as TuningKnob[];

/** The knobs a pool or a route may override (ARCHITECTURE §4: tuning → pool → route). */
export const DEADLINE_KNOBS = [
  'headersTimeoutMs',
  'firstEventTimeoutMs',
  'firstByteTimeoutMs',
  'idleTimeoutMs',
  'nonStreamTimeoutMs',
] as const satisfies readonly TuningKnob[];

/** "must be a whole number ≥ 1", "must be a number from 0.01 to 1": what --help and the errors say. */
export function knobRange(name: TuningKnob): string {
  const knob = KNOBS[name];
  const bounds = knob.max === undefined ? `≥ ${knob.min}` : `from ${knob.min} to ${knob.max}`;
  return `${knob.integer ? 'a whole number' : 'a number'} ${bounds}`;
}

function knobSchema(name: TuningKnob) {
  const knob = KNOBS[name];
  const message = `must be ${knobRange(name)}`;
  const about = `${knob.meaning} Default: ${knob.default}.`;
  // finite: JSON's 1e999 reads as Infinity, which Node's timers take as 1 ms.
  if (knob.max !== undefined && knob.integer)
    return v.pipe(
      v.number(message),
      v.finite(message),
      v.integer(message),
      v.minValue(knob.min, message),
      v.maxValue(knob.max, message),
      v.description(about),
      v.metadata({ default: knob.default }),
    );
  if (knob.max !== undefined)
    return v.pipe(
      v.number(message),
      v.finite(message),
      v.minValue(knob.min, message),
      v.maxValue(knob.max, message),
      v.description(about),
      v.metadata({ default: knob.default }),
    );
  if (knob.integer)
    return v.pipe(
      v.number(message),
      v.finite(message),
      v.integer(message),
      v.minValue(knob.min, message),
      v.description(about),
      v.metadata({ default: knob.default }),
    );
  return v.pipe(v.number(message), v.finite(message), v.minValue(knob.min, message), v.description(about), v.metadata({ default: knob.default }));
}

const list = (names: readonly string[]): string => names.join(', ');

export const tuningSchema = v.pipe(
  v.strictObject(
    Object.fromEntries(TUNING_KNOB_NAMES.map((name) => [name, v.optional(knobSchema(name))])) as Record<
      TuningKnob,
      v.OptionalSchema<ReturnType<typeof knobSchema>, undefined>
    >,
    (issue) => (issue.expected === 'never' ? `unknown setting; known: ${list(TUNING_KNOB_NAMES)}` : 'must be an object of tuning knobs'),
  ),
  v.description('Failover knobs; every value has a safe default.'),
);

const DEADLINE_MEANINGS: Record<(typeof DEADLINE_KNOBS)[number], string> = {
  headersTimeoutMs: 'Streams: time to response headers while the route has another target.',
  firstEventTimeoutMs: 'Streams: time to the first content event while the route has another target.',
  firstByteTimeoutMs: 'Streams on the last target: longest wait for headers and first event.',
  idleTimeoutMs: 'Longest silence inside an answer.',
  nonStreamTimeoutMs: 'Non-streamed answers: request to complete headers.',
};

const deadlineMs = (name: (typeof DEADLINE_KNOBS)[number]) => {
  const message = 'must be a number of milliseconds ≥ 1';
  return v.optional(v.pipe(v.number(message), v.finite(message), v.minValue(1, message), v.description(DEADLINE_MEANINGS[name])));
};

/** A pool's or a route's own deadlines, described for where they sit. */
const deadlinesSchema = (markdownDescription: string) =>
  v.pipe(
    v.strictObject(
      {
        headersTimeoutMs: deadlineMs('headersTimeoutMs'),
        firstEventTimeoutMs: deadlineMs('firstEventTimeoutMs'),
        firstByteTimeoutMs: deadlineMs('firstByteTimeoutMs'),
        idleTimeoutMs: deadlineMs('idleTimeoutMs'),
        nonStreamTimeoutMs: deadlineMs('nonStreamTimeoutMs'),
      },
      (issue) => (issue.expected === 'never' ? `unknown deadline (known: ${list(DEADLINE_KNOBS)})` : 'must be an object of deadlines in ms'),
    ),
    v.metadata({ markdownDescription }),
  );

/** The message of an object schema: it fails for a value that is not an object, and for a missing field. */
export const objectMessage =
  (shape: string): v.ErrorMessage<v.ObjectIssue> =>
  (issue) =>
    issue.expected === 'Object' ? `must be an object like ${shape}` : 'is required';

const nonEmpty = (description?: string) => {
  const message = 'must be a non-empty string';
  return description === undefined
    ? v.pipe(v.string(message), v.nonEmpty(message))
    : v.pipe(v.string(message), v.nonEmpty(message), v.description(description));
};

const boolean = (markdownDescription: string) => v.optional(v.pipe(v.boolean('must be true or false'), v.metadata({ default: false, markdownDescription })));

const protocolSchema = v.picklist(PROTOCOLS, 'must be "openai", "anthropic" or "gemini"');

const POOL_ID = /^[A-Za-z0-9._-]+$/;

const usdPerMillion = (description: string) => {
  const message = 'must be a price in USD per million tokens (a number ≥ 0)';
  return v.pipe(v.number(message), v.finite(message), v.minValue(0, message), v.description(description));
};

/** What a model costs at this pool, overriding the bundled price data (docs/ARCHITECTURE.md §10). */
const tokenPricesSchema = v.strictObject(
  {
    input: usdPerMillion('USD per million input tokens.'),
    output: usdPerMillion('USD per million output tokens.'),
    cacheRead: v.optional(usdPerMillion('USD per million cached input tokens read (default: the input price).')),
    cacheWrite: v.optional(usdPerMillion('USD per million input tokens written to the cache (default: the input price).')),
  },
  (issue) =>
    issue.expected === 'never'
      ? 'unknown price (known: input, output, cacheRead, cacheWrite)'
      : issue.expected === 'Object'
        ? 'must be an object like {"input": 0.4, "output": 1.6}'
        : 'is required',
);

const CAP_PERIODS = ['day', 'month'] as const;
const CAP_SCOPES = ['key', 'pool'] as const;

const capLimit = (description: string) => {
  const message = 'must be a number > 0';
  return v.optional(v.pipe(v.number(message), v.finite(message), v.gtValue(0, message), v.description(description)));
};

/**
 * One opt-in usage cap: a key (or the pool) that reaches it is passed over until the UTC period turns. At least
 * one limit is checked in validateBridgeConfig: a `check` has no JSON Schema form.
 */
const capSchema = v.strictObject(
  {
    per: v.pipe(v.picklist(CAP_SCOPES, 'must be "key" or "pool"'), v.description('Whether the cap counts each key on its own or the whole pool.')),
    period: v.pipe(v.picklist(CAP_PERIODS, 'must be "day" or "month"'), v.description('The UTC day or calendar month the cap counts over.')),
    requests: capLimit('Requests per period.'),
    tokens: capLimit('Tokens (input, output and cache) per period.'),
    costUsd: capLimit('Estimated cost in USD per period (from the prices KeyBridge knows; unpriced models count nothing).'),
  },
  (issue) =>
    issue.expected === 'never'
      ? 'unknown field (known: per, period, requests, tokens, costUsd)'
      : issue.expected === 'Object'
        ? 'must be an object like {"per": "key", "period": "day", "requests": 200}'
        : 'is required',
);

/** The fields of a pool that both hosts accept; each host adds its own (the CLI its keys, VS Code the preset). */
export const poolEntries = {
  id: v.pipe(
    v.string('must be letters, digits, dot, dash or underscore'),
    v.regex(POOL_ID, 'must be letters, digits, dot, dash or underscore'),
    v.description('Short id used in routes, logs and the key store.'),
  ),
  label: v.optional(nonEmpty('Name shown in the tree and the status.')),
  protocol: v.pipe(
    protocolSchema,
    v.description('The wire protocol the provider speaks.'),
    v.metadata({ enumDescriptions: ['OpenAI-compatible: /chat/completions, /responses, /embeddings', 'Anthropic Messages: /v1/messages'] }),
  ),
  baseUrl: v.pipe(
    v.string('is required (e.g. "https://api.openai.com/v1" or "https://api.anthropic.com")'),
    // The URL check alone would take ftp: or file: URLs; the pattern alone would take "http://[".
    // Spelled out, not the i flag: JSON Schema patterns take no flags, and HTTPS:// is a URL too.
    // No user name or password either: one would be shown wherever the base URL is (the tree, the status API), and
    // the bridge never sends it, the pool's keys being its credentials. One pattern (JSON Schema takes one per field);
    // the message looks at the value only to say which rule it broke, never quoting it.
    v.regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^/?#@\s]+([/?#]\S*)?$/, (issue) =>
      /^[a-z]+:\/\/[^/?#]*@/i.test(issue.input)
        ? "must not hold a user name or password (user:password@): the pool's keys are its credentials"
        : 'must be an absolute http(s) URL',
    ),
    v.url('must be an absolute http(s) URL'),
    v.metadata({
      markdownDescription:
        "As the provider's SDK takes it: OpenAI-compatible with the version (`https://api.openai.com/v1`), Anthropic the server root (`https://api.anthropic.com`).",
    }),
  ),
  strategy: v.optional(
    v.pipe(
      v.picklist(SELECTION_STRATEGIES, `must be one of ${list(SELECTION_STRATEGIES)}`),
      v.description('How the pool picks a key for a request.'),
      v.metadata({
        enumDescriptions: [
          'Keep using the key that works until it fails (keeps prompt caches and Responses state on one account).',
          'Take turns.',
          'Take turns in proportion to key weights.',
        ],
      }),
    ),
    'fill-first',
  ),
  headers: v.optional(
    v.pipe(
      v.record(v.string(), v.string('must map header names to strings'), 'must map header names to strings'),
      v.description("Extra non-secret headers sent upstream (e.g. OpenRouter's HTTP-Referer)."),
    ),
  ),
  sharedLimits: boolean(
    'The keys belong to **one account** and share its rate limits: a 429 cools the model for every key of the pool, and a short `Retry-After` is waited for instead of trying the other keys. Leave off for keys of different accounts.',
  ),
  responses: v.optional(
    v.pipe(
      v.boolean('must be true or false'),
      v.metadata({
        default: true,
        markdownDescription:
          'OpenAI-compatible pools: whether the provider has the Responses API (`/responses`). Set `false` for providers with Chat Completions only (DeepSeek, Mistral, Together, Gemini): a Responses request routed here is translated to Chat Completions.',
      }),
    ),
  ),
  deadlines: v.optional(
    deadlinesSchema('Deadlines for this pool (ms), overriding the `tuning` ones; e.g. a longer `firstEventTimeoutMs` for reasoning models.'),
  ),
  dialect: v.optional(
    v.pipe(
      v.picklist(DIALECT_IDS, `must be one of ${list(DIALECT_IDS)}`),
      v.metadata({
        markdownDescription:
          "OpenAI-compatible pools: how the provider's API differs from OpenAI's, for requests translated to it (token limit field, tool schemas, reasoning it wants back). Default: the provider preset's, else the one the base URL's host is known for, else `generic`.",
      }),
    ),
  ),
  prices: v.optional(
    v.pipe(
      v.record(nonEmpty(), tokenPricesSchema, 'must map model names or patterns to prices'),
      v.metadata({
        markdownDescription:
          'Prices of this pool\'s models in USD per million tokens, for negotiated prices and providers the bundled price data lacks: `{"gpt-4.1-mini": {"input": 0.4, "output": 1.6, "cacheRead": 0.1}}`; a key may have `*` wildcards. Costs are always estimates.',
      }),
    ),
  ),
  caps: v.optional(
    v.pipe(
      v.array(capSchema, 'must be an array of caps'),
      v.metadata({
        markdownDescription:
          'Opt-in usage caps: `[{"per": "key", "period": "day", "requests": 200}]`. A key at a cap is passed over like an exhausted key until the UTC day or month turns; the route goes on to the next key or target.',
      }),
    ),
  ),
  prefill: v.optional(
    v.pipe(
      v.picklist(PREFILL_STYLES, `must be one of ${list(PREFILL_STYLES)}`),
      v.metadata({
        markdownDescription:
          "How the provider continues a started answer, for a route's `continueOnCut`. Default: `assistant` for Anthropic pools, `none` for OpenAI-compatible ones; the provider presets set their own.",
        enumDescriptions: [
          'A final assistant message is the start of the answer (Anthropic Messages; OpenRouter, for the models that support it).',
          'The final assistant message carries `"prefix": true` (Mistral; DeepSeek on its beta base URL `https://api.deepseek.com/beta`).',
          "No prefill: the delivered text is sent as the assistant's turn with an instruction to continue, and what repeats it is dropped.",
        ],
      }),
    ),
  ),
};

export const targetSchema = v.object(
  {
    pool: v.pipe(v.string('is required'), v.description('Id of the pool to send to.')),
    model: v.optional(nonEmpty('Renames the model for this target.')),
  },
  objectMessage('{"pool": "...", "model"?: "..."}'),
);

/** Where a key is tested below the pool's base URL, when listing models takes no key (OpenRouter: `/key`). */
export const testPathSchema = v.pipe(
  v.string('must be a path starting with "/"'),
  v.regex(/^\/\S*$/, 'must be a path starting with "/"'),
  v.description("Path below baseUrl of the cheap authenticated GET that tests a key (default: the protocol's model list)."),
);

export const routeSchema = v.object(
  {
    protocol: v.pipe(protocolSchema, v.description('The protocol of the requests this route matches.')),
    match: v.pipe(
      v.string('must be a model name or pattern'),
      v.nonEmpty('must be a model name or pattern'),
      v.description('Model name, or a pattern with * wildcards.'),
    ),
    targets: v.pipe(
      v.array(targetSchema, 'must list at least one target {"pool": "...", "model"?: "..."}'),
      v.minLength(1, 'must list at least one target {"pool": "...", "model"?: "..."}'),
      v.description('Where to send a matching request, in order of preference.'),
    ),
    deadlines: v.optional(deadlinesSchema("Deadlines for this route (ms), overriding the pool's and the `tuning` ones.")),
    continueOnCut: boolean(
      'When a text-only stream is cut after it started, ask the next target to continue it and relay that into the same stream (one complete answer). Never across a tool call.',
    ),
  },
  objectMessage('{"protocol": "...", "match": "...", "targets": [{"pool": "..."}]}'),
);

const defaultsObject = v.object({ openai: v.optional(nonEmpty()), anthropic: v.optional(nonEmpty()) }, objectMessage('{"openai": "pool-id"}'));

/** The protocols `defaults` names a pool for. */
export const DEFAULTS_FIELDS = Object.keys(defaultsObject.entries);

export const defaultsSchema = v.pipe(
  defaultsObject,
  v.description('The pool each protocol uses when no route matches (default: the first pool of that protocol).'),
);
