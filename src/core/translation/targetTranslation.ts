import type { Protocol } from '../config';
import { readMessagesRequest } from '../protocols/anthropicMessages/requestReader';
import { writeMessagesRequest } from '../protocols/anthropicMessages/requestWriter';
import { readChatRequest } from '../protocols/openaiChat/requestReader';
import { writeChatRequest } from '../protocols/openaiChat/requestWriter';
import { readResponsesRequest } from '../protocols/openaiResponses/requestReader';
import type { Endpoint } from '../protocols/protocol';
import { dialectTraits, type DialectId } from '../providers/dialect';
import {
  carriedDialect,
  chatToMessagesAnswer,
  chatToMessagesStream,
  chatToResponsesAnswer,
  chatToResponsesStream,
  messagesToChatAnswer,
  messagesToChatStream,
  messagesToResponsesAnswer,
  messagesToResponsesStream,
} from './answerTranslation';
import { translateErrorAnswer } from './errorAnswer';
import type { PieceRedactor, StreamTranslator } from './streamTranslator';
import { asWire, type TranslationNotes, type Wire } from './wire';

/** What the request looks like on the client's side. */
export interface ClientSide {
  protocol: Protocol;
  endpoint: Endpoint;
}

/** What the translation needs to know of the target's pool. */
export interface PoolSide {
  protocol: Protocol;
  /** How the provider's API differs from its protocol's reference, declared with the pool (providers/dialect.ts). */
  dialect: DialectId;
  /** OpenAI-compatible pools: false when the provider has no Responses API. */
  responses: boolean;
}

/**
 * One target whose pool speaks another protocol (or, for Responses, another OpenAI API): where the request
 * goes below the pool's base URL and how each part of the exchange is turned around. Pure shapes: the attempt
 * loop keeps rotation, retries, deadlines and the stream gate (docs/ARCHITECTURE.md §9).
 */
export interface TargetTranslation {
  readonly kind: 'translate';
  /** For logs and the tree: "Anthropic Messages → OpenAI Chat". */
  readonly label: string;
  readonly upstreamProtocol: Protocol;
  readonly upstreamEndpoint: Endpoint;
  /** Path below the pool's base URL. */
  readonly upstreamPath: string;
  /** The client's request body as the target's, asking for `model`. */
  request(client: Wire, model: string): { body: Wire; notes: TranslationNotes };
  /** The target's non-streamed answer as the client's; undefined when the provider stopped it unfinished. */
  answer(upstream: Wire, model: string): Wire | undefined;
  /**
   * A stream translator for one answer; `client` is the client's request (some answers repeat what it asked),
   * `redact` masks the key in each piece of text it passes on.
   */
  stream(model: string, client: Wire, redact: PieceRedactor): StreamTranslator;
  /** The target's error answer as the client's protocol writes it. */
  error(status: number, body: string, pool: string): { status: number; body: string };
}

/** How a target serves a request of another protocol: translated, answered by the bridge itself, or not at all. */
export type CrossProtocol = TargetTranslation | { kind: 'estimate-tokens' } | { kind: 'refused'; reason: string };

const NAMES = { messages: 'Anthropic Messages', chat: 'OpenAI Chat', responses: 'OpenAI Responses' } as const;

/**
 * Whether and how a request of `client` is served by a pool of `pool`: undefined when the pool speaks the
 * client's protocol and API (the request is relayed byte for byte, the common path).
 */
export function crossProtocol(client: ClientSide, pool: PoolSide): CrossProtocol | undefined {
  if (client.protocol === pool.protocol) {
    // Codex's wire format on a provider that only has Chat Completions.
    if (client.protocol === 'openai' && client.endpoint === 'responses' && !pool.responses) return responsesToChatTranslation(pool);
    return undefined;
  }
  if (client.protocol === 'anthropic') {
    if (client.endpoint === 'messages') return messagesToChatTranslation(pool);
    // Chat providers have no token counting endpoint; the estimate is documented in docs/TRANSLATION.md.
    if (client.endpoint === 'count_tokens') return { kind: 'estimate-tokens' };
    return { kind: 'refused', reason: `${client.endpoint} requests have no translation to OpenAI` };
  }
  if (client.endpoint === 'chat') return chatToMessagesTranslation();
  if (client.endpoint === 'responses') return responsesToMessagesTranslation();
  return { kind: 'refused', reason: `${client.endpoint} requests have no translation to Anthropic` };
}

function messagesToChatTranslation(pool: PoolSide): TargetTranslation {
  return {
    kind: 'translate',
    label: `${NAMES.messages} → ${NAMES.chat}`,
    upstreamProtocol: 'openai',
    upstreamEndpoint: 'chat',
    upstreamPath: '/chat/completions',
    request: (client, model) => writeChatRequest(readMessagesRequest(client), { model, dialect: dialectTraits(pool.dialect) }),
    answer: (upstream, model) => chatToMessagesAnswer(upstream, model, carriedDialect(pool.dialect)),
    stream: (model, _client, redact) => chatToMessagesStream(model, redact, carriedDialect(pool.dialect)),
    error: (status, body, poolId) => translateErrorAnswer('anthropic', status, body, poolId),
  };
}

function chatToMessagesTranslation(): TargetTranslation {
  return {
    kind: 'translate',
    label: `${NAMES.chat} → ${NAMES.messages}`,
    upstreamProtocol: 'anthropic',
    upstreamEndpoint: 'messages',
    upstreamPath: '/v1/messages',
    request: (client, model) => writeMessagesRequest(readChatRequest(client), { model, defaultMaxTokens: defaultMaxTokens(model) }),
    answer: (upstream, model) => messagesToChatAnswer(upstream, model, nowSeconds()),
    stream: (model, client, redact) => messagesToChatStream(model, nowSeconds(), asWire(client.stream_options)?.include_usage === true, redact),
    error: (status, body, poolId) => translateErrorAnswer('openai', status, body, poolId),
  };
}

function responsesToChatTranslation(pool: PoolSide): TargetTranslation {
  return {
    kind: 'translate',
    label: `${NAMES.responses} → ${NAMES.chat}`,
    upstreamProtocol: 'openai',
    upstreamEndpoint: 'chat',
    upstreamPath: '/chat/completions',
    request: (client, model) => writeChatRequest(readResponsesRequest(client), { model, dialect: dialectTraits(pool.dialect) }),
    answer: (upstream, model) => chatToResponsesAnswer(upstream, model, nowSeconds(), carriedDialect(pool.dialect)),
    stream: (model, _client, redact) => chatToResponsesStream(model, nowSeconds(), redact, carriedDialect(pool.dialect)),
    error: (status, body, poolId) => translateErrorAnswer('openai', status, body, poolId),
  };
}

function responsesToMessagesTranslation(): TargetTranslation {
  return {
    kind: 'translate',
    label: `${NAMES.responses} → ${NAMES.messages}`,
    upstreamProtocol: 'anthropic',
    upstreamEndpoint: 'messages',
    upstreamPath: '/v1/messages',
    request: (client, model) => writeMessagesRequest(readResponsesRequest(client), { model, defaultMaxTokens: defaultMaxTokens(model) }),
    answer: (upstream, model) => messagesToResponsesAnswer(upstream, model, nowSeconds()),
    stream: (model, _client, redact) => messagesToResponsesStream(model, nowSeconds(), redact),
    error: (status, body, poolId) => translateErrorAnswer('openai', status, body, poolId),
  };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/**
 * Anthropic requires `max_tokens`; Chat clients often leave it out. The largest every model of the family
 * takes: Claude 3 models stop at 4,096 output tokens (3.5 at 8,192), later ones take far more.
 */
function defaultMaxTokens(model: string): number {
  if (/^claude-3-(opus|sonnet|haiku)/.test(model)) return 4_096;
  if (/^claude-3-5/.test(model)) return 8_192;
  return 32_000;
}
