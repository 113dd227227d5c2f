import type { Reply } from './types';

/** What one successful answer says, independent of the wire format. */
export interface ReplyPlan {
  seq: number;
  /** Unique per fake instance and request: the tail of every id in the answer. */
  idTail: string;
  model: string;
  /** Seconds since the epoch. */
  created: number;
  /** undefined: the answer has no text part (tool call only). */
  textDeltas: string[] | undefined;
  text: string;
  tool: PlannedToolCall | undefined;
  gapMs: number;
  usage: { input: number; output: number; cacheRead?: number; cacheWrite?: number; thoughts?: number };
}

interface PlannedToolCall {
  name: string;
  argumentsJson: string;
  argumentDeltas: string[];
  /** The caller's id, if the Responder gave one. */
  id: string | undefined;
}

/** The default deltas: 'Reply 12 part 1.', ' Reply 12 part 2.', … — joined they form the whole text. */
export function defaultReplyParts(seq: number, events: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < events; i++) parts.push(`${i === 0 ? '' : ' '}Reply ${seq} part ${i + 1}.`);
  return parts;
}

/** Splits text into at most n non-empty pieces of about equal length (by code point). */
function splitText(text: string, n: number): string[] {
  if (text === '' || n <= 0) return [];
  const chars = Array.from(text);
  const count = Math.min(n, chars.length);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(''));
  }
  return out;
}

export function estimateTokens(bytesOrChars: number): number {
  return Math.max(1, Math.ceil(bytesOrChars / 4));
}

export function makePlan(
  seq: number,
  idTail: string,
  model: string,
  reply: Reply | undefined,
  defaults: { streamEvents: number; eventGapMs: number },
  bodyBytes: number,
): ReplyPlan {
  const events = Math.max(0, Math.floor(reply?.events ?? defaults.streamEvents));
  let textDeltas: string[] | undefined;
  if (reply?.text !== undefined) textDeltas = splitText(reply.text, Math.max(1, events));
  else if (!reply?.toolCall) textDeltas = defaultReplyParts(seq, events);
  const text = textDeltas ? textDeltas.join('') : '';
  let tool: PlannedToolCall | undefined;
  if (reply?.toolCall) {
    const argumentsJson = JSON.stringify(reply.toolCall.arguments);
    tool = {
      name: reply.toolCall.name,
      argumentsJson,
      argumentDeltas: splitText(argumentsJson, Math.max(1, events)),
      id: reply.toolCall.id,
    };
  }
  return {
    seq,
    idTail,
    model,
    created: Math.floor(Date.now() / 1000),
    textDeltas,
    text,
    tool,
    gapMs: Math.max(0, reply?.gapMs ?? defaults.eventGapMs),
    usage: reply?.usage ?? {
      input: estimateTokens(bodyBytes),
      output: estimateTokens(text.length + (tool ? tool.argumentsJson.length : 0)),
    },
  };
}
