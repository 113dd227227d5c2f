import { StringDecoder } from 'node:string_decoder';
import { request, type Agent } from 'undici';
import type { FakeProvider, ResponderRequest, Reply } from '../fakeProvider/fakeProvider';
import type { JsonObject } from '../helpers/json';
import type { SeededRandom } from './random';
import type { SecretScanner } from './secretScan';

type RequestKind = 'chat' | 'responses' | 'embeddings' | 'messages' | 'count_tokens' | 'solo' | 'translated';

/**
 * Share of client traffic per kind: both protocols, streamed and not; `solo` goes to a single-target route that
 * may run dry; `translated` is Anthropic messages on a route whose first target is an OpenAI pool.
 */
const KIND_WEIGHTS: Record<RequestKind, number> = { chat: 28, responses: 14, embeddings: 5, messages: 26, count_tokens: 4, solo: 8, translated: 8 };

export type ClientOutcome =
  | 'complete' // the whole answer, and the right one
  | 'interrupted' // a stream that ended with the protocol's terminal error
  | 'error' // a non-2xx answer with a protocol-shaped error body
  | 'cut' // a non-streamed 200 whose body broke off (the only signal left after the commit point)
  | 'aborted' // we hung up on purpose
  // Everything below is a failure of the bridge:
  | 'hang'
  | 'truncated'
  | 'dropped'
  | 'wrong-answer'
  | 'malformed-error';

export const BAD_OUTCOMES: ReadonlySet<ClientOutcome> = new Set(['hang', 'truncated', 'dropped', 'wrong-answer', 'malformed-error']);

/** What one client request saw. */
export interface ClientRecord {
  id: number;
  kind: RequestKind;
  protocol: 'openai' | 'anthropic';
  stream: boolean;
  tool: boolean;
  sentAt: number;
  headersAt?: number;
  endedAt: number;
  /** Set when we hung up before the answer was over. */
  abortedAt?: number;
  status?: number;
  outcome: ClientOutcome;
  detail?: string;
  /** The provider request (fake ledger seq) whose answer reached us, as the answer itself says. */
  seqSeen?: number;
  /** Embeddings: the first vector component, from which the serving seq is checked later. */
  firstComponent?: number;
  bridgeError?: boolean;
}

/** What the fake was asked to answer for one provider request (by ledger seq). */
export interface ExpectedAnswer {
  soak: number;
  text?: string;
  args?: string;
}

const FILLER = 'the quick brown fox jumps over the lazy dog while keys rotate and streams resume'.split(' ');

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Answers that name their soak request and provider seq, so a spliced or misrouted answer cannot pass. */
export function installResponder(provider: FakeProvider, expected: Map<number, ExpectedAnswer>): void {
  provider.setResponder((req: ResponderRequest): Reply | undefined => {
    // A translated request carries no unknown fields; its user message still names the soak request.
    // Any protocol's body comes here (Gemini's has no messages), so nothing in it is taken for granted.
    const body = isObject(req.body) ? req.body : {};
    const lastMessage = Array.isArray(body.messages) ? (body.messages as unknown[]).at(-1) : undefined;
    const lastContent = isObject(lastMessage) ? lastMessage.content : undefined;
    const soak = Number(body.soak_id ?? (typeof lastContent === 'string' ? /^soak request (\d+)$/.exec(lastContent)?.[1] : undefined));
    if (!Number.isFinite(soak)) return undefined;
    if (req.endpoint === 'count_tokens') return { usage: { input: req.seq, output: 0 } };
    const words: string[] = [];
    for (let i = 0; i < 4 + (req.seq % 17); i++) words.push(FILLER[(req.seq * 7 + i) % FILLER.length]);
    const events = 3 + (req.seq % 6);
    const gapMs = req.seq % 3 === 0 ? 0 : req.seq % 20;
    if (Array.isArray(body.tools) && body.tools.length > 0) {
      const args = { soak, seq: req.seq, q: words.join(' ') };
      expected.set(req.seq, { soak, args: JSON.stringify(args) });
      return { toolCall: { name: 'lookup', arguments: args }, events, gapMs };
    }
    const text = `S${soak}Q${req.seq} ${words.join(' ')}`;
    expected.set(req.seq, { soak, text });
    return { text, events, gapMs };
  });
}

export interface TrafficContext {
  agent: Agent;
  openaiBase: string;
  anthropicBase: string;
  token: string;
  scanner: SecretScanner;
  /** Past this, a request counts as hung and is cut by the client. */
  hangMs: number;
}

interface PlannedRequest {
  kind: RequestKind;
  stream: boolean;
  tool: boolean;
  abortAfterMs: number | undefined;
}

export function planRequest(random: SeededRandom): PlannedRequest {
  const kind = random.weighted(KIND_WEIGHTS);
  const streamable = kind !== 'embeddings' && kind !== 'count_tokens';
  return {
    kind,
    stream: streamable && random.chance(0.6),
    tool: streamable && random.chance(0.25),
    abortAfterMs: random.chance(0.06) ? random.int(0, 400) : undefined,
  };
}

const TOOLS_OPENAI_CHAT = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
const TOOLS_RESPONSES = [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }];
const TOOLS_ANTHROPIC = [{ name: 'lookup', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }];

function buildRequest(
  ctx: TrafficContext,
  id: number,
  p: PlannedRequest,
): { url: string; headers: Record<string, string>; body: string; protocol: 'openai' | 'anthropic' } {
  const openaiHeaders = { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}`, 'x-soak-id': String(id) };
  const anthropicHeaders = { 'content-type': 'application/json', 'x-api-key': ctx.token, 'anthropic-version': '2023-06-01', 'x-soak-id': String(id) };
  const messages = [{ role: 'user', content: `soak request ${id}` }];
  switch (p.kind) {
    case 'chat':
    case 'solo':
      return {
        protocol: 'openai',
        url: `${ctx.openaiBase}/chat/completions`,
        headers: openaiHeaders,
        body: JSON.stringify({
          model: p.kind === 'solo' ? 'solo-soak' : 'gpt-soak',
          messages,
          stream: p.stream,
          ...(p.stream && id % 2 === 0 ? { stream_options: { include_usage: true } } : {}),
          ...(p.tool ? { tools: TOOLS_OPENAI_CHAT } : {}),
          soak_id: id,
        }),
      };
    case 'responses':
      return {
        protocol: 'openai',
        url: `${ctx.openaiBase}/responses`,
        headers: openaiHeaders,
        body: JSON.stringify({ model: 'gpt-soak', input: `soak request ${id}`, stream: p.stream, ...(p.tool ? { tools: TOOLS_RESPONSES } : {}), soak_id: id }),
      };
    case 'embeddings':
      return {
        protocol: 'openai',
        url: `${ctx.openaiBase}/embeddings`,
        headers: openaiHeaders,
        body: JSON.stringify({ model: 'text-embedding-soak', input: ['a', `b${id}`], soak_id: id }),
      };
    case 'messages':
    case 'translated':
      return {
        protocol: 'anthropic',
        url: `${ctx.anthropicBase}/v1/messages`,
        headers: anthropicHeaders,
        body: JSON.stringify({
          model: p.kind === 'translated' ? 'claude-translated-soak' : 'claude-soak',
          max_tokens: 64,
          messages,
          stream: p.stream,
          ...(p.tool ? { tools: TOOLS_ANTHROPIC } : {}),
          soak_id: id,
        }),
      };
    case 'count_tokens':
      return {
        protocol: 'anthropic',
        url: `${ctx.anthropicBase}/v1/messages/count_tokens`,
        headers: anthropicHeaders,
        body: JSON.stringify({ model: 'claude-soak', messages, soak_id: id }),
      };
  }
}

interface AnswerParts {
  text: string;
  args: string;
  done: boolean;
  /** Set when the stream carried the protocol's error event; later events make it a malformed end. */
  errorEvent: string | undefined;
  eventsAfterError: number;
}

/** Reads one SSE event the way the client's SDK would, keeping only what the checks need. */
function readEvent(kind: RequestKind, name: string, data: string, parts: AnswerParts): void {
  if (parts.errorEvent !== undefined) {
    // Chat ends its terminal error with [DONE]; nothing else may follow an error.
    if (!(data === '[DONE]' && (kind === 'chat' || kind === 'solo'))) parts.eventsAfterError++;
    return;
  }
  if (kind === 'chat' || kind === 'solo') {
    if (data === '[DONE]') {
      parts.done = true;
      return;
    }
    const json = safeJson(data) as
      { error?: unknown; choices?: { delta?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[] } | undefined;
    if (json?.error) {
      parts.errorEvent = data;
      return;
    }
    const delta = json?.choices?.[0]?.delta;
    if (typeof delta?.content === 'string') parts.text += delta.content;
    const args = delta?.tool_calls?.[0]?.function?.arguments;
    if (typeof args === 'string') parts.args += args;
    return;
  }
  if (kind === 'responses') {
    if (name === 'response.failed' || name === 'error') {
      parts.errorEvent = data;
      return;
    }
    if (name === 'response.completed') parts.done = true;
    const json = safeJson(data) as { delta?: unknown } | undefined;
    if (name === 'response.output_text.delta' && typeof json?.delta === 'string') parts.text += json.delta;
    if (name === 'response.function_call_arguments.delta' && typeof json?.delta === 'string') parts.args += json.delta;
    return;
  }
  // Anthropic messages.
  if (name === 'error') {
    parts.errorEvent = data;
    return;
  }
  if (name === 'message_stop') parts.done = true;
  if (name === 'content_block_delta') {
    const json = safeJson(data) as { delta?: { type?: string; text?: unknown; partial_json?: unknown } } | undefined;
    if (json?.delta?.type === 'text_delta' && typeof json.delta.text === 'string') parts.text += json.delta.text;
    if (json?.delta?.type === 'input_json_delta' && typeof json.delta.partial_json === 'string') parts.args += json.delta.partial_json;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether an error body is shaped as the client's protocol shapes errors, so its SDK can show the message. */
function isProtocolError(protocol: 'openai' | 'anthropic', body: unknown): boolean {
  const root = body as { type?: unknown; error?: { type?: unknown; message?: unknown } } | undefined;
  if (!root || typeof root !== 'object' || !root.error || typeof root.error !== 'object') return false;
  if (typeof root.error.message !== 'string' || typeof root.error.type !== 'string') return false;
  return protocol === 'openai' || root.type === 'error';
}

const SEQ_IN_TEXT = /^S(\d+)Q(\d+) /;
const SEQ_IN_ARGS = /^\{"soak":(\d+),"seq":(\d+),/;

/** Whether `got` is a cut-off start of `head` followed by digits: a marker that did not arrive whole. */
function isMarkerStart(got: string, head: string): boolean {
  return head.startsWith(got) || (got.startsWith(head) && /^\d*$/.test(got.slice(head.length)));
}

/** Checks that an answer (whole or, when interrupted, its start) is the one the fake planned for the seq it names. */
function judgeAnswer(
  id: number,
  parts: Pick<AnswerParts, 'text' | 'args'>,
  whole: boolean,
  expected: Map<number, ExpectedAnswer>,
): { seq?: number; wrong?: string } {
  const match = SEQ_IN_TEXT.exec(parts.text) ?? SEQ_IN_ARGS.exec(parts.args);
  if (!match) {
    // Cut before the whole marker arrived: what did arrive must be the start of one.
    if (!whole && isMarkerStart(parts.text, `S${id}Q`) && isMarkerStart(parts.args, `{"soak":${id},"seq":`)) return {};
    return { wrong: `no seq marker in ${JSON.stringify((parts.text || parts.args).slice(0, 40))}` };
  }
  const soak = Number(match[1]);
  const seq = Number(match[2]);
  const plan = expected.get(seq);
  if (soak !== id || !plan || plan.soak !== id) return { seq, wrong: `answer names soak ${soak} seq ${seq}` };
  const want = plan.text ?? plan.args ?? '';
  const got = plan.text !== undefined ? parts.text : parts.args;
  if (whole ? got !== want : !want.startsWith(got)) return { seq, wrong: `answer differs from the plan of seq ${seq}` };
  // A second answer spliced in would carry a second marker.
  if ((parts.text.match(/S\d+Q\d+ /g) ?? []).length + (parts.args.match(/"seq":/g) ?? []).length > 1) return { seq, wrong: 'two answers in one' };
  return { seq };
}

/** Sends one client request and records what the client saw; never throws. */
export async function runClientRequest(ctx: TrafficContext, id: number, plan: PlannedRequest, expected: Map<number, ExpectedAnswer>): Promise<ClientRecord> {
  const built = buildRequest(ctx, id, plan);
  const record: ClientRecord = {
    id,
    kind: plan.kind,
    protocol: built.protocol,
    stream: plan.stream,
    tool: plan.tool,
    sentAt: Date.now(),
    endedAt: 0,
    outcome: 'dropped',
  };
  const controller = new AbortController();
  let finished = false;
  let hung = false;
  const abortTimer =
    plan.abortAfterMs !== undefined
      ? setTimeout(() => {
          if (finished) return;
          record.abortedAt = Date.now();
          controller.abort();
        }, plan.abortAfterMs)
      : undefined;
  const hangTimer = setTimeout(() => {
    hung = true;
    controller.abort();
  }, ctx.hangMs);
  const done = (outcome: ClientOutcome, detail?: string): ClientRecord => {
    finished = true;
    clearTimeout(abortTimer);
    clearTimeout(hangTimer);
    record.endedAt = Date.now();
    record.outcome = hung ? 'hang' : record.abortedAt !== undefined && outcome !== 'complete' ? 'aborted' : outcome;
    if (detail !== undefined && record.outcome === outcome) record.detail = detail;
    return record;
  };

  let response;
  try {
    response = await request(built.url, { method: 'POST', headers: built.headers, body: built.body, dispatcher: ctx.agent, signal: controller.signal });
  } catch (error) {
    return done('dropped', `no answer: ${(error as Error).message}`);
  }
  record.headersAt = Date.now();
  record.status = response.statusCode;
  record.bridgeError = response.headers['x-keybridge-error'] === '1';
  ctx.scanner.scan('client responses', JSON.stringify(response.headers));
  const contentType = String(response.headers['content-type'] ?? '');

  if (response.statusCode !== 200) {
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      return done('dropped', `error body broke off: ${(error as Error).message}`);
    }
    ctx.scanner.scan('client responses', text);
    if (!isProtocolError(built.protocol, safeJson(text))) return done('malformed-error', `HTTP ${response.statusCode}: ${text.slice(0, 120)}`);
    return done('error', `HTTP ${response.statusCode}: ${text.slice(0, 160)}`);
  }

  if (contentType.includes('text/event-stream')) {
    const parts: AnswerParts = { text: '', args: '', done: false, errorEvent: undefined, eventsAfterError: 0 };
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const consume = (final: boolean): void => {
      const blocks = pending.split('\n\n');
      pending = final ? '' : (blocks.pop() ?? '');
      for (const block of blocks) {
        if (!block.trim()) continue;
        let name = '';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) name = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length) readEvent(plan.kind, name, data.join('\n'), parts);
      }
    };
    try {
      for await (const chunk of response.body) {
        const text = decoder.write(chunk as Buffer);
        ctx.scanner.scan('client responses', text);
        pending += text;
        consume(false);
      }
      pending += decoder.end();
      consume(true);
    } catch (error) {
      return done('cut', `stream broke off without a terminal event: ${(error as Error).message}`);
    }
    if (parts.errorEvent !== undefined) {
      if (parts.eventsAfterError > 0) return done('truncated', 'events after the terminal error');
      const verdict = judgeAnswer(id, parts, false, expected);
      record.seqSeen = verdict.seq;
      if (verdict.wrong) return done('wrong-answer', verdict.wrong);
      return done('interrupted', parts.errorEvent.slice(0, 160));
    }
    if (!parts.done) return done('truncated', `stream ended without its terminal event after ${parts.text.length + parts.args.length} chars`);
    const verdict = judgeAnswer(id, parts, true, expected);
    record.seqSeen = verdict.seq;
    if (verdict.wrong) return done('wrong-answer', verdict.wrong);
    return done('complete');
  }

  let text: string;
  try {
    text = await response.body.text();
  } catch (error) {
    return done('cut', `body broke off: ${(error as Error).message}`);
  }
  ctx.scanner.scan('client responses', text);
  const json = safeJson(text) as Record<string, unknown> | undefined;
  if (!json) return done('truncated', `200 with a body that is not JSON: ${text.slice(0, 80)}`);
  return judgeNonStream(id, plan.kind, json, record, expected, done);
}

function judgeNonStream(
  id: number,
  kind: RequestKind,
  json: Record<string, unknown>,
  record: ClientRecord,
  expected: Map<number, ExpectedAnswer>,
  done: (outcome: ClientOutcome, detail?: string) => ClientRecord,
): ClientRecord {
  if (kind === 'embeddings') {
    const data = json.data as { embedding?: number[] }[] | undefined;
    if (json.object !== 'list' || !Array.isArray(data) || data.length !== 2) return done('wrong-answer', 'embeddings: not a list of 2');
    record.firstComponent = data[0]?.embedding?.[0];
    return done('complete');
  }
  if (kind === 'count_tokens') {
    if (typeof json.input_tokens !== 'number') return done('wrong-answer', 'count_tokens: no input_tokens');
    record.seqSeen = json.input_tokens;
    return done('complete');
  }
  const parts = { text: '', args: '' };
  if (kind === 'chat' || kind === 'solo') {
    const message = (json.choices as { message?: { content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] } }[] | undefined)?.[0]?.message;
    if (typeof message?.content === 'string') parts.text = message.content;
    const args = message?.tool_calls?.[0]?.function?.arguments;
    if (typeof args === 'string') parts.args = args;
  } else if (kind === 'responses') {
    for (const item of (json.output as { type?: string; content?: { text?: unknown }[]; arguments?: unknown }[] | undefined) ?? []) {
      if (item.type === 'message' && typeof item.content?.[0]?.text === 'string') parts.text = item.content[0].text;
      if (item.type === 'function_call' && typeof item.arguments === 'string') parts.args = item.arguments;
    }
  } else {
    for (const block of (json.content as { type?: string; text?: unknown; input?: unknown }[] | undefined) ?? []) {
      if (block.type === 'text' && typeof block.text === 'string') parts.text = block.text;
      if (block.type === 'tool_use') parts.args = JSON.stringify(block.input);
    }
  }
  const verdict = judgeAnswer(id, parts, true, expected);
  record.seqSeen = verdict.seq;
  if (verdict.wrong) return done('wrong-answer', verdict.wrong);
  return done('complete');
}
