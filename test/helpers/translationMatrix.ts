// The translation matrix (issue 20, issue 24): every client format × every provider dialect it can be translated
// to × streamed or not, each a session of two tool round trips through the real bridge, with the real SDKs (Gemini's
// included), against the fake provider playing that provider strictly (test/fakeProvider/strictDialects.ts).
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, type Content, type GenerateContentResponse, type Tool } from '@google/genai';
import OpenAI from 'openai';
import type { PoolSpec, RouteSpec } from '../../src/core/config';
import type { FakeProvider, ResponderRequest, StrictDialect } from '../fakeProvider/fakeProvider';
import { functionResponse } from './geminiParts';
import { startHarness, TOKEN, type Harness } from './harness';
import { must } from './must';

type ClientFormat = 'messages' | 'chat' | 'responses' | 'generate';

/** A provider the matrix reaches: a strict dialect of the fake, or Gemini's own API (`gemini-native`). */
type Target = StrictDialect | 'gemini-native';

export interface MatrixCase {
  client: ClientFormat;
  dialect: Target;
  stream: boolean;
  /** How the case is named in test titles and in the pending list. */
  name: string;
}

/** The model each provider's pool is asked for: names that switch on the model-family rules (Gemini 3, GPT-5, Claude 4.5). */
const DIALECT_MODEL: Record<Target, string> = {
  anthropic: 'claude-sonnet-4-5',
  'gemini-native': 'gemini-3-pro-preview',
  openai: 'gpt-5-mini',
  deepseek: 'deepseek-v4-flash',
  gemini: 'gemini-3-pro-preview',
  moonshot: 'kimi-k2-thinking',
  mistral: 'mistral-large-latest',
  groq: 'openai/gpt-oss-120b',
  openrouter: 'deepseek/deepseek-r1',
};

const CHAT_DIALECTS: StrictDialect[] = ['openai', 'deepseek', 'gemini', 'moonshot', 'mistral', 'groq', 'openrouter'];

/** The dialects a client format is translated to: the other protocols' providers (a same-protocol target is a relay). */
function targetsOf(client: ClientFormat): Target[] {
  if (client === 'messages') return [...CHAT_DIALECTS, 'gemini-native'];
  if (client === 'chat') return ['anthropic', 'gemini-native'];
  if (client === 'generate') return ['anthropic', ...CHAT_DIALECTS];
  return ['anthropic', ...CHAT_DIALECTS, 'gemini-native'];
}

/** The provider the fake plays for a target, as its ledger names it. */
const playedBy = (target: Target): StrictDialect => (target === 'gemini-native' ? 'gemini' : target);

export const MATRIX: MatrixCase[] = (['messages', 'chat', 'responses', 'generate'] as const).flatMap((client) =>
  targetsOf(client).flatMap((dialect) =>
    [false, true].map((stream) => ({ client, dialect, stream, name: `${client} → ${dialect}, ${stream ? 'streamed' : 'not streamed'}` })),
  ),
);

export const keyOf = (dialect: Target): string => `test-key-${dialect}-1`;

/** One pool per dialect, each the only target of a route per client protocol named after it (`to-deepseek`). */
function pools(provider: FakeProvider): PoolSpec[] {
  const native: PoolSpec = {
    id: 'p-gemini-native',
    protocol: 'gemini',
    baseUrl: provider.dialectBaseUrl('gemini', 'native'),
    strategy: 'fill-first',
    keys: [{ id: 'k1', secret: keyOf('gemini-native') }],
    dialect: 'gemini',
  };
  return [
    native,
    ...(['anthropic', ...CHAT_DIALECTS] as StrictDialect[]).map((dialect) => {
      const pool = {
        id: `p-${dialect}`,
        protocol: dialect === 'anthropic' ? ('anthropic' as const) : ('openai' as const),
        baseUrl: provider.dialectBaseUrl(dialect),
        strategy: 'fill-first' as const,
        keys: [{ id: 'k1', secret: keyOf(dialect) }],
        // The providers of Chat Completions only: a Responses client is translated to Chat there. The pool's
        // declared dialect (issue 20) is what translation reads instead of guessing from the host; Anthropic's own
        // API is a protocol, not a dialect of OpenAI's.
        ...(dialect === 'anthropic' ? {} : { responses: false, dialect }),
      };
      return pool;
    }),
  ];
}

const target = (dialect: Target) => ({ pool: `p-${dialect}`, model: DIALECT_MODEL[dialect] });

/**
 * `to-{d}`: the dialect's pool alone. `anthropic-then-{d}` / `{d}-then-anthropic`: a session that moves between
 * Anthropic and another provider when the first target's key is rate-limited (the fallback the bridge is for).
 */
function routes(): RouteSpec[] {
  // OpenAI with a model outside its reasoning family, for the rules that are not about the token limit.
  const gpt4o: RouteSpec = { protocol: 'anthropic', match: 'to-gpt-4o', targets: [{ pool: 'p-openai', model: 'gpt-4o' }] };
  return [
    gpt4o,
    ...(['anthropic', ...CHAT_DIALECTS, 'gemini-native'] as Target[]).flatMap((dialect) =>
      (['anthropic', 'openai', 'gemini'] as const).flatMap((protocol) => [
        { protocol, match: `to-${dialect}`, targets: [target(dialect)] },
        { protocol, match: `anthropic-then-${dialect}`, targets: [target('anthropic'), target(dialect)] },
        { protocol, match: `${dialect}-then-anthropic`, targets: [target(dialect), target('anthropic')] },
      ]),
    ),
  ];
}

export async function startMatrixHarness(): Promise<Harness> {
  const h = await startHarness({ pools, routes: routes(), tuning: { budgetMs: 15_000 } });
  h.provider.setResponder(twoRoundTrips);
  return h;
}

// ---------- the provider's side: two tool calls, then text naming both results ----------

const RESULTS = ['OUT-ONE', 'OUT-TWO'];

/** The tool results in a request, whichever format the target reads. */
function toolResults(req: ResponderRequest): string[] {
  const body = req.body as {
    messages?: { role: string; content: unknown }[];
    contents?: { parts?: { functionResponse?: { response?: { output?: string } } }[] }[];
  };
  const texts: string[] = [];
  for (const c of body.contents ?? []) for (const p of c.parts ?? []) if (p.functionResponse) texts.push(p.functionResponse.response?.output ?? '');
  const textOf = (content: unknown): string =>
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((p: { text?: string }) => p.text ?? '').join('') : JSON.stringify(content);
  for (const m of body.messages ?? []) {
    if (m.role === 'tool') texts.push(textOf(m.content));
    if (Array.isArray(m.content))
      for (const b of m.content as { type: string; content?: unknown }[]) if (b.type === 'tool_result') texts.push(textOf(b.content));
  }
  return texts;
}

/** What every answer reports (issue 20, item 4: the client reads what the provider reported, where it reads it). */
const USAGE = { input: 1234, output: 56 };
const USAGES = [USAGE, USAGE, USAGE].map((u) => [u.input, u.output]);

function twoRoundTrips(req: ResponderRequest) {
  const results = toolResults(req);
  // Gemini counts thinking as output beside the answer's tokens: none here, so every client reads the same counts.
  const usage = req.protocol === 'gemini' ? { ...USAGE, thoughts: 0 } : USAGE;
  if (results.length === 0) return { toolCall: { name: 'Bash', arguments: { command: 'ls' } }, usage };
  if (results.length === 1) return { toolCall: { name: 'Read', arguments: { file_path: '/tmp/a.txt' } }, usage };
  return { text: `Done: ${results.join(', ')}`, usage };
}

// ---------- the client's side ----------

const ANTHROPIC_TOOLS: Anthropic.Tool[] = [
  { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } },
  { name: 'Read', description: 'Read a file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] } },
];
const CHAT_TOOLS: OpenAI.ChatCompletionTool[] = ANTHROPIC_TOOLS.map((t) => ({
  type: 'function',
  function: { name: t.name, description: t.description, parameters: t.input_schema },
}));
const GEMINI_TOOLS: Tool[] = [
  { functionDeclarations: ANTHROPIC_TOOLS.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.input_schema })) },
];
const RESPONSES_TOOLS: OpenAI.Responses.Tool[] = ANTHROPIC_TOOLS.map((t) => ({
  type: 'function',
  name: t.name,
  description: t.description ?? null,
  strict: false,
  parameters: t.input_schema,
}));

const EXPECTED_CALLS = [
  { name: 'Bash', input: { command: 'ls' } },
  { name: 'Read', input: { file_path: '/tmp/a.txt' } },
];
const FINAL_TEXT = `Done: ${RESULTS.join(', ')}`;

/** A tool call as every client format shows it, for the assertions. */
interface SeenCall {
  id: string;
  name: string;
  input: unknown;
}

/** Runs one case: two tool round trips and the final text, asserting each turn and that the target served it. */
export async function runMatrixCase(h: Harness, c: MatrixCase): Promise<void> {
  const model = `to-${c.dialect}`;
  const before = h.provider.ledger.length;
  if (c.client === 'messages') await anthropicSession(h, model, c.stream);
  else if (c.client === 'chat') await chatSession(h, model, c.stream);
  else if (c.client === 'generate') await geminiSession(h, model, c.stream);
  else await responsesSession(h, model, c.stream);
  const sent = h.provider.ledger.slice(before);
  assert.deepEqual(
    sent.map((e) => `${e.dialect} ${e.status}`),
    [1, 2, 3].map(() => `${playedBy(c.dialect)} 200`),
    'three requests, each served by the strict provider',
  );
  if (c.dialect === 'gemini-native') for (const e of sent.slice(1)) nativeSignaturesCarried(e.body as { contents: GeminiContent[] }, c.client);
  // A Gemini client has no place for another provider's reasoning (docs/routes-across-protocols.md): DeepSeek and
  // Kimi get their tool turns back without it, which they take; Gemini's own signatures do come back.
  else if (c.client !== 'generate' || c.dialect === 'gemini')
    for (const e of sent.slice(1)) REASONING_CARRIED[c.dialect]?.(e.body as { messages: ChatMessage[] });
}

interface GeminiContent {
  role: string;
  parts: { functionCall?: unknown; thoughtSignature?: string }[];
}

/**
 * Gemini's own thought signature comes back with each call where the client has a place for our carrier (an
 * Anthropic thinking block, a Responses reasoning item); a Chat client has none, and sends the stand-in.
 */
function nativeSignaturesCarried(body: { contents: GeminiContent[] }, client: ClientFormat): void {
  const calls = body.contents.filter((c) => c.role === 'model').flatMap((c) => c.parts.filter((p) => p.functionCall !== undefined));
  assert.ok(calls.length > 0);
  for (const call of calls) {
    if (client === 'chat') assert.equal(call.thoughtSignature, 'skip_thought_signature_validator');
    else
      assert.ok(
        typeof call.thoughtSignature === 'string' && call.thoughtSignature !== 'skip_thought_signature_validator' && !call.thoughtSignature.startsWith('kbr1.'),
        'Gemini’s own signature',
      );
  }
}

interface ChatMessage {
  role: string;
  reasoning_content?: unknown;
  tool_calls?: { extra_content?: { google?: { thought_signature?: unknown } } }[];
}

const assistantCalls = (body: { messages: ChatMessage[] }): ChatMessage[] =>
  body.messages.filter((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
const carriesReasoning = (body: { messages: ChatMessage[] }): void => {
  for (const m of assistantCalls(body)) {
    assert.match(
      String(m.reasoning_content),
      /^Reasoning about reply \d+: the tool or the answer comes next\.$/,
      'the reasoning the provider gave with its tool call comes back with it',
    );
  }
};

/**
 * Beyond what the provider enforces (an empty `reasoning_content`, or Gemini's stand-in signature, would be
 * taken): the state the provider gave on each of its tool-call turns comes back as it gave it (issue 20, item 3).
 */
const REASONING_CARRIED: Partial<Record<StrictDialect, (body: { messages: ChatMessage[] }) => void>> = {
  deepseek: carriesReasoning,
  moonshot: carriesReasoning,
  gemini: (body) => {
    for (const m of assistantCalls(body)) {
      const signature = m.tool_calls?.[0]?.extra_content?.google?.thought_signature;
      assert.ok(
        typeof signature === 'string' && signature !== 'skip_thought_signature_validator',
        'the thought signature Gemini gave comes back, not the stand-in',
      );
    }
  },
};

function assertCall(turn: number, call: SeenCall | undefined): SeenCall {
  assert.ok(call, `turn ${turn + 1} answers with a tool call`);
  assert.equal(call.name, must(EXPECTED_CALLS[turn]).name);
  assert.deepEqual(call.input, must(EXPECTED_CALLS[turn]).input);
  return call;
}

export interface SessionOptions {
  /** Ask for extended thinking, as Claude Code does. */
  thinking?: boolean;
  /** Called before each of the three turns (0, 1, 2): where a test makes a target fail. */
  beforeTurn?: (turn: number) => void;
  /** Leave the tool ids to the providers of later turns to judge (default: the client checks Anthropic's pattern). */
  providersJudgeIds?: boolean;
}

export async function anthropicSession(h: Harness, model: string, stream: boolean, options: SessionOptions = {}): Promise<void> {
  const client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 });
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'List the folder, then read a.txt.' }];
  let turns = 0;
  const ask = (): Promise<Anthropic.Message> => {
    options.beforeTurn?.(turns++);
    const params = {
      model,
      max_tokens: 2048,
      system: 'You are a coding agent.',
      messages,
      tools: ANTHROPIC_TOOLS,
      ...(options.thinking ? { thinking: { type: 'enabled' as const, budget_tokens: 1024 } } : {}),
    };
    return stream ? client.messages.stream(params).finalMessage() : client.messages.create(params);
  };
  const usages: number[][] = [];
  for (let turn = 0; turn < 2; turn++) {
    const answer = await ask();
    usages.push([answer.usage.input_tokens, answer.usage.output_tokens]);
    assert.equal(answer.stop_reason, 'tool_use');
    const use = answer.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    const call = assertCall(turn, use && { id: use.id, name: use.name, input: use.input });
    // Claude Code sends these ids to whatever target comes next, Anthropic's own included.
    if (!options.providersJudgeIds) assert.match(call.id, /^[a-zA-Z0-9_-]+$/, 'a tool_use id Anthropic would take');
    messages.push(
      { role: 'assistant', content: answer.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: must(RESULTS[turn]) }] },
    );
  }
  const final = await ask();
  usages.push([final.usage.input_tokens, final.usage.output_tokens]);
  assert.equal(final.stop_reason, 'end_turn');
  assert.equal(
    final.content
      .filter((b) => b.type === 'text')
      .map((b) => b.text)
      .join(''),
    FINAL_TEXT,
  );
  assert.deepEqual(usages, USAGES, 'input and output tokens as the provider reported them, on every turn');
}

async function chatSession(h: Harness, model: string, stream: boolean): Promise<void> {
  const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: 'List the folder, then read a.txt.' },
  ];
  const ask = (): Promise<OpenAI.ChatCompletion> => {
    const params = { model, messages, tools: CHAT_TOOLS, max_tokens: 2048 };
    return stream
      ? client.chat.completions.stream({ ...params, stream_options: { include_usage: true } }).finalChatCompletion()
      : client.chat.completions.create(params);
  };
  const usages: (number | undefined)[][] = [];
  for (let turn = 0; turn < 2; turn++) {
    const answer = await ask();
    usages.push([answer.usage?.prompt_tokens, answer.usage?.completion_tokens]);
    assert.equal(must(answer.choices[0]).finish_reason, 'tool_calls');
    const tc = must(answer.choices[0]).message.tool_calls?.[0];
    const call = assertCall(turn, tc && tc.type === 'function' ? { id: tc.id, name: tc.function.name, input: JSON.parse(tc.function.arguments) } : undefined);
    messages.push(must(answer.choices[0]).message, { role: 'tool', tool_call_id: call.id, content: must(RESULTS[turn]) });
  }
  const final = await ask();
  usages.push([final.usage?.prompt_tokens, final.usage?.completion_tokens]);
  assert.equal(must(final.choices[0]).finish_reason, 'stop');
  assert.equal(must(final.choices[0]).message.content, FINAL_TEXT);
  assert.deepEqual(usages, USAGES, 'prompt and completion tokens as the provider reported them, on every turn');
}

export async function responsesSession(h: Harness, model: string, stream: boolean, options: SessionOptions = {}): Promise<void> {
  const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 });
  // As Codex sends it: stateless, the whole history each turn, encrypted reasoning asked for.
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'List the folder, then read a.txt.' }];
  let turns = 0;
  const ask = async (): Promise<OpenAI.Responses.Response> => {
    options.beforeTurn?.(turns++);
    const params = {
      model,
      instructions: 'You are a coding agent.',
      input,
      tools: RESPONSES_TOOLS,
      store: false,
      include: ['reasoning.encrypted_content' as const],
    };
    return stream ? client.responses.stream(params).finalResponse() : client.responses.create(params);
  };
  const usages: (number | undefined)[][] = [];
  for (let turn = 0; turn < 2; turn++) {
    const answer = await ask();
    usages.push([answer.usage?.input_tokens, answer.usage?.output_tokens]);
    assert.equal(answer.status, 'completed');
    const fc = answer.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
    const call = assertCall(turn, fc && { id: fc.call_id, name: fc.name, input: JSON.parse(fc.arguments) });
    input.push(...(answer.output as OpenAI.Responses.ResponseInputItem[]), { type: 'function_call_output', call_id: call.id, output: must(RESULTS[turn]) });
  }
  const final = await ask();
  usages.push([final.usage?.input_tokens, final.usage?.output_tokens]);
  assert.equal(final.status, 'completed');
  // The text of the message items (`output_text` is a convenience of create(), not of a stream's finalResponse()).
  const text = final.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
  assert.equal(text, FINAL_TEXT);
  assert.deepEqual(usages, USAGES, 'input and output tokens as the provider reported them, on every turn');
}

async function collectChunks(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** A Gemini CLI-like session with the real `@google/genai` SDK: the model's parts go back as they came. */
async function geminiSession(h: Harness, model: string, stream: boolean): Promise<void> {
  const ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: `${h.bridge.url}/gemini`, timeout: 15_000 } });
  const contents: Content[] = [{ role: 'user', parts: [{ text: 'List the folder, then read a.txt.' }] }];
  const config = { systemInstruction: 'You are a coding agent.', tools: GEMINI_TOOLS, maxOutputTokens: 2048 };
  const ask = async (): Promise<GenerateContentResponse[]> =>
    stream ? collectChunks(await ai.models.generateContentStream({ model, contents, config })) : [await ai.models.generateContent({ model, contents, config })];
  const usages: (number | undefined)[][] = [];
  const usageOf = (chunks: GenerateContentResponse[]) => {
    const usage = chunks.at(-1)?.usageMetadata;
    return [usage?.promptTokenCount, (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0)];
  };
  for (let turn = 0; turn < 2; turn++) {
    const chunks = await ask();
    usages.push(usageOf(chunks));
    assert.equal(chunks.at(-1)?.candidates?.[0]?.finishReason, 'STOP');
    const fc = chunks.flatMap((c) => c.functionCalls ?? []).at(0);
    const call = assertCall(turn, fc && { id: fc.id ?? '', name: fc.name ?? '', input: fc.args });
    contents.push(
      {
        role: 'model',
        parts: chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []).filter((p) => p.functionCall !== undefined || (p.text ?? '') !== ''),
      },
      { role: 'user', parts: [{ functionResponse: functionResponse({ name: call.name, response: { output: RESULTS[turn] ?? '' } }) }] },
    );
  }
  const final = await ask();
  usages.push(usageOf(final));
  assert.equal(final.at(-1)?.candidates?.[0]?.finishReason, 'STOP');
  assert.equal(final.map((c) => c.text ?? '').join(''), FINAL_TEXT);
  assert.deepEqual(usages, USAGES, 'prompt and output tokens as the provider reported them, on every turn');
}
