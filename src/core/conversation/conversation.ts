import type { CarriedReasoning } from './reasoningCarry';

/**
 * Our own model of a request, between a reader of the client's wire format and a writer of the target's
 * (docs/ARCHITECTURE.md §9): N formats need N readers and N writers rather than a translator per pair. It holds
 * what at least two formats can say; what the reader could not carry is named in `notCarried`, and a writer adds
 * what the target cannot take. Only a translated request is read into it: a same-protocol relay never is.
 */
export interface Conversation {
  /** System prompt pieces, in order (Anthropic's `system`, Chat's system and developer messages, `instructions`). */
  system: string[];
  turns: Turn[];
  tools: Tool[];
  toolChoice?: ToolChoice;
  /** false when the client asked for one tool call at a time, true when it asked for parallel calls outright. */
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop: string[];
  stream: boolean;
  reasoning?: ReasoningRequest;
  /** A structured answer, in Chat's `response_format` shape; `askedAs` names the client's field for a note. */
  responseFormat?: { format: Record<string, unknown>; askedAs: string };
  /** The end user, for the provider's abuse tracking. */
  user?: string;
  /** What the reader could not carry into the model, for the log's `not carried: …`. */
  notCarried: string[];
}

/** One message of the conversation: the reader keeps the client's turns as they came, a writer merges or splits them. */
export interface Turn {
  role: 'user' | 'assistant';
  parts: Part[];
}

export type Part = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart;

export interface TextPart {
  kind: 'text';
  text: string;
}

/** An image by URL: an http(s) address or a `data:` URL with the base64 bytes. */
export interface ImagePart {
  kind: 'image';
  url: string;
  /** OpenAI's detail hint (low or high); undefined for the provider's default. */
  detail?: 'low' | 'high';
}

interface ToolCallPart {
  kind: 'tool-call';
  /** The id as the client sees it. */
  id: string;
  name: string;
  /** The arguments as JSON text, as the model wrote them: not always valid. */
  arguments: string;
}

interface ToolResultPart {
  kind: 'tool-result';
  /** The id of the call it answers, as the client sees it. */
  id: string;
  content: (TextPart | ImagePart)[];
  error: boolean;
}

/**
 * Reasoning of an earlier assistant turn, with the state that binds it to the provider that made it: only that
 * provider may get it back (docs/ARCHITECTURE.md §9), every other target drops it.
 */
export interface ReasoningPart {
  kind: 'reasoning';
  text: string;
  state: ReasoningState;
}

export type ReasoningState =
  /** Anthropic's own: signed thinking (`signature`), or redacted thinking (`data`). */
  | { kind: 'anthropic'; signature?: string; redactedData?: string }
  /** A Chat provider's state, carried through the client's history in our carrier (reasoningCarry.ts). */
  | { kind: 'carried'; carried: CarriedReasoning }
  /** Reasoning no target can take back (another provider's encrypted reasoning, unsigned text). */
  | { kind: 'unbound' };

export interface Tool {
  name: string;
  description?: string;
  /** The JSON Schema of the arguments, as the client sent it; writers adapt it to what the target takes. */
  parameters: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = { mode: 'auto' | 'none' | 'required' } | { mode: 'function'; name: string };

/** How hard the client asked the model to think, and under which name, for a note when the target cannot. */
interface ReasoningRequest {
  /** An effort step: low, medium, high, or a format's own (minimal, xhigh, none). */
  effort: string;
  /** The field the client used: `thinking`, `reasoning_effort`, `reasoning.effort`. */
  askedAs: string;
  /**
   * Whether a target that thinks only when told (Anthropic) should turn thinking on for it: a Chat client asks for
   * an effort deliberately, Codex sends one with every request, whatever model it expects.
   */
  turnsThinkingOn: boolean;
}

/** Names a loss once per request: a long history would otherwise repeat it for every turn. */
export function noteOnce(notes: string[], what: string): void {
  if (!notes.includes(what)) notes.push(what);
}
