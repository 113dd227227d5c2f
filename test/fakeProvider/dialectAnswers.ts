import { randomBytes } from 'node:crypto';
import type { ReplyPlan } from './replyPlan';
import { asObject, dataEvent, typedEvent, type Json } from './sse';
import type { IssuedSignatures } from './strictDialects';
import type { SseEvent, StrictDialect } from './types';
import { must } from '../helpers/must';

/**
 * Answers in the shapes each provider sends (our own fixtures, written from their documentation and recorded
 * streams): DeepSeek's and Kimi's `reasoning_content` deltas before the content, OpenRouter's `reasoning`,
 * Gemini's thought signature on a tool call, Kimi's `functions.Name:idx` and Mistral's nine-character ids,
 * Groq's usage under `x_groq`, a signed thinking block from Claude when asked to think.
 */

/** The reasoning a thinking provider streams before its answer, in two deltas. */
function reasoningParts(plan: ReplyPlan): string[] {
  return [`Reasoning about reply ${plan.seq}:`, ' the tool or the answer comes next.'];
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function alnum(n: number): string {
  return Array.from(randomBytes(n), (b) => ALNUM[b % ALNUM.length]).join('');
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map((x) => asObject(x)) : []);

/** Gives the planned tool call the id this provider would make, unless the responder chose one. */
export function assignDialectToolId(dialect: StrictDialect, plan: ReplyPlan, body: Json): void {
  const tool = plan.tool;
  if (!tool || tool.id !== undefined) return;
  switch (dialect) {
    case 'moonshot': {
      // Kimi numbers the calls of a conversation: the index is the count of calls before this one.
      const earlier = list(body.messages).reduce((n, m) => n + list(m.tool_calls).length, 0);
      tool.id = `functions.${tool.name}:${earlier}`;
      break;
    }
    case 'mistral':
      tool.id = alnum(9);
      break;
    case 'deepseek':
      tool.id = `call_00_${alnum(24)}`;
      break;
    case 'anthropic':
      tool.id = `toolu_01${alnum(22)}`;
      break;
    case 'openai':
      tool.id = `call_${alnum(24)}`;
      break;
    default:
      break;
  }
}

/** A non-streamed Chat completion as the provider sends it. */
export function dialectChatCompletion(dialect: StrictDialect, plan: ReplyPlan, completion: Json, issued: IssuedSignatures): Json {
  const choice = asObject(list(completion.choices)[0]);
  const message = asObject(choice.message);
  const reasoning = reasoningParts(plan).join('');
  if (dialect === 'deepseek' || dialect === 'moonshot') message.reasoning_content = reasoning;
  if (dialect === 'openrouter') {
    message.reasoning = reasoning;
    message.reasoning_details = [{ type: 'reasoning.text', text: reasoning, format: 'unknown', index: 0 }];
  }
  const call = list(message.tool_calls).at(0);
  if (dialect === 'gemini' && call) call.extra_content = { google: { thought_signature: geminiSignature(issued) } };
  if (dialect === 'groq') completion.x_groq = { id: `req_${plan.idTail}` };
  if (dialect === 'deepseek') completion.usage = deepseekUsage(asObject(completion.usage));
  return completion;
}

/** A Chat stream as the provider sends it, from the plain OpenAI one. */
export function dialectChatEvents(dialect: StrictDialect, plan: ReplyPlan, events: SseEvent[], issued: IssuedSignatures): SseEvent[] {
  const chunks = events.map((event) =>
    event.text.startsWith('data: {') ? { event, data: JSON.parse(event.text.slice(6)) as Json } : { event, data: undefined },
  );
  const template = must(must(chunks[0]).data);
  const out: SseEvent[] = [];
  for (const [i, { event, data }] of chunks.entries()) {
    if (!data) {
      out.push(event);
      continue;
    }
    const delta = asObject(asObject(list(data.choices)[0]).delta);
    const call = list(delta.tool_calls).at(0);
    if (dialect === 'gemini' && call && typeof call.id === 'string') call.extra_content = { google: { thought_signature: geminiSignature(issued) } };
    if (dialect === 'deepseek' && data.usage) data.usage = deepseekUsage(asObject(data.usage));
    const last = chunks.slice(i + 1).every((c) => !c.data);
    if (dialect === 'groq' && last) data.x_groq = { id: `req_${plan.idTail}`, usage: groqUsage(plan) };
    out.push(dataEvent(data, event.phase));
    if (i === 0) out.push(...reasoningChunks(dialect, plan, template));
  }
  return out;
}

function reasoningChunks(dialect: StrictDialect, plan: ReplyPlan, template: Json): SseEvent[] {
  const chunk = (delta: Json): SseEvent => dataEvent({ ...template, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] }, 'content');
  if (dialect === 'deepseek' || dialect === 'moonshot') return reasoningParts(plan).map((part) => chunk({ content: null, reasoning_content: part }));
  if (dialect === 'openrouter') {
    return reasoningParts(plan).map((part) =>
      chunk({ content: '', reasoning: part, reasoning_details: [{ type: 'reasoning.text', text: part, format: 'unknown', index: 0 }] }),
    );
  }
  return [];
}

function geminiSignature(issued: IssuedSignatures): string {
  const signature = randomBytes(48).toString('base64');
  issued.gemini.add(signature);
  return signature;
}

function deepseekUsage(usage: Json): Json {
  const prompt = Number(usage.prompt_tokens ?? 0);
  const cached = Number(asObject(usage.prompt_tokens_details).cached_tokens ?? 0);
  return {
    ...usage,
    prompt_cache_hit_tokens: cached,
    prompt_cache_miss_tokens: prompt - cached,
    completion_tokens_details: { reasoning_tokens: Math.min(8, Number(usage.completion_tokens ?? 0)) },
  };
}

function groqUsage(plan: ReplyPlan): Json {
  return {
    queue_time: 0.01,
    prompt_tokens: plan.usage.input,
    prompt_time: 0.002,
    completion_tokens: plan.usage.output,
    completion_time: 0.02,
    total_tokens: plan.usage.input + plan.usage.output,
    total_time: 0.022,
  };
}

// ---------- Anthropic: a signed thinking block first ----------

export function thinkingMessage(plan: ReplyPlan, message: Json, issued: IssuedSignatures): Json {
  const signature = anthropicSignature(issued);
  message.content = [{ type: 'thinking', thinking: reasoningParts(plan).join(''), signature }, ...list(message.content)];
  return message;
}

/** Inserts a thinking block (thinking deltas, then its signature) at index 0 and moves the others up by one. */
export function thinkingMessageEvents(plan: ReplyPlan, events: SseEvent[], issued: IssuedSignatures): SseEvent[] {
  const signature = anthropicSignature(issued);
  const out: SseEvent[] = [must(events[0])];
  const push = (type: string, payload: Json, phase: SseEvent['phase']): void => {
    out.push(typedEvent(type, { type, ...payload }, phase));
  };
  push('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }, 'open');
  for (const thinking of reasoningParts(plan)) push('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking } }, 'content');
  push('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature } }, 'content');
  push('content_block_stop', { index: 0 }, 'close');
  for (const event of events.slice(1)) {
    const match = /^event: (\S+)\ndata: (.*)\n\n$/s.exec(event.text);
    const data = match ? (JSON.parse(must(match[2])) as Json) : undefined;
    if (!match || !data || typeof data.index !== 'number') {
      out.push(event);
      continue;
    }
    out.push(typedEvent(must(match[1]), { ...data, index: data.index + 1 }, event.phase));
  }
  return out;
}

function anthropicSignature(issued: IssuedSignatures): string {
  const signature = randomBytes(64).toString('base64');
  issued.anthropic.add(signature);
  return signature;
}
