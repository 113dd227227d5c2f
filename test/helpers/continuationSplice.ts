import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { PrefillStyle } from '../../src/core/configSchema';
import { continuationRequest } from '../../src/core/continuation/continuationRequest';
import { ContinuationSplicer } from '../../src/core/continuation/continuationSplicer';
import { StreamTranscript } from '../../src/core/continuation/streamTranscript';
import { SseScanner, type SseEvent } from '../../src/core/protocols/sse';
import type { FakeProvider } from '../fakeProvider/fakeProvider';
import { endpointUrl, keyHeaders, streamedBody, type StreamEndpoint } from './continuationFixtures';
import { captureStream, serveCannedStream, type CapturedStream } from './sseStreams';
import { parseJson } from './json';
import { must } from './must';

export interface Interrupted {
  transcript: StreamTranscript;
  /** What the client received before the cut (whole events). */
  clientBytes: Buffer;
  body: Record<string, unknown>;
}

/** A stream from the fake, cut after `cutAfter` events, as the client received it. */
export async function interruptedStream(fake: FakeProvider, endpoint: StreamEndpoint, cutAfter: number, body = streamedBody(endpoint)): Promise<Interrupted> {
  fake.fault('test-key-1', { kind: 'cut', afterEvents: cutAfter });
  const original = await captureStream(endpointUrl(fake, endpoint), keyHeaders(endpoint, 'test-key-1'), body);
  assert.ok(original.cut, 'the fake cut the original stream');
  const transcript = new StreamTranscript(endpoint);
  for (const event of original.events) transcript.note(event);
  return { transcript, clientBytes: original.bytes, body };
}

export interface Continued {
  request: Record<string, unknown>;
  continuation: CapturedStream;
  splicer: ContinuationSplicer;
  /** Output tokens counted for the delivered part when the splice began. */
  deliveredOutputTokens: number;
  /** Everything the client received: the original part, then the splice. */
  clientBytes: Buffer;
}

/** Asks the fake (as the next target, key test-key-2) to continue, and splices its answer into the client's stream. */
export async function continueOnFake(fake: FakeProvider, endpoint: StreamEndpoint, interrupted: Interrupted, prefill: PrefillStyle): Promise<Continued> {
  const plan = continuationRequest(endpoint, interrupted.body, interrupted.transcript, { prefill, model: 'model-b' });
  if (plan.kind !== 'request') assert.fail(`refused: ${plan.reason}`);
  const continuation = await captureStream(endpointUrl(fake, endpoint), keyHeaders(endpoint, 'test-key-2'), plan.body);
  assert.equal(continuation.status, 200, `the target accepted the continuation request: ${continuation.bytes.toString()}`);
  return splice(interrupted, plan.body, continuation, plan.prefilled);
}

/** Splices already captured continuation events. */
export function splice(interrupted: Interrupted, request: Record<string, unknown>, continuation: CapturedStream, prefilled: boolean): Continued {
  const deliveredOutputTokens = interrupted.transcript.deliveredOutputTokens;
  const splicer = new ContinuationSplicer(interrupted.transcript, prefilled);
  const spliced = continuation.events.map((event) => splicer.push(event)).join('');
  return { request, continuation, splicer, deliveredOutputTokens, clientBytes: Buffer.concat([interrupted.clientBytes, Buffer.from(spliced)]) };
}

export function parseEvents(bytes: Buffer | string): SseEvent[] {
  const scanner = new SseScanner();
  return [...scanner.push(Buffer.from(bytes)), ...scanner.end()];
}

export function jsonOf(event: SseEvent): unknown {
  return parseJson(must(event.data));
}

/** A whole answer as each SDK assembles it from a stream. */
type SdkAnswer = Anthropic.Message | OpenAI.Chat.ChatCompletion | OpenAI.Responses.Response;

/** Serves the client's bytes to the real SDK of the endpoint and returns what it made of them. */
export async function parsedBySdk(endpoint: 'messages', bytes: Buffer): Promise<Anthropic.Message>;
export async function parsedBySdk(endpoint: 'chat', bytes: Buffer): Promise<OpenAI.Chat.ChatCompletion>;
export async function parsedBySdk(endpoint: 'responses', bytes: Buffer): Promise<OpenAI.Responses.Response>;
export async function parsedBySdk(endpoint: StreamEndpoint, bytes: Buffer): Promise<SdkAnswer>;
export async function parsedBySdk(endpoint: StreamEndpoint, bytes: Buffer): Promise<SdkAnswer> {
  const server = await serveCannedStream(bytes);
  try {
    if (endpoint === 'messages') {
      const client = new Anthropic({ baseURL: server.url, apiKey: 'test-key-sdk', maxRetries: 0, timeout: 5_000 });
      return await client.messages
        .stream({ model: 'claude-test', max_tokens: 1024, messages: [{ role: 'user', content: 'Say the sentence.' }] })
        .finalMessage();
    }
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key-sdk', maxRetries: 0, timeout: 5_000 });
    if (endpoint === 'chat') {
      return await client.chat.completions
        .stream({ model: 'gpt-test', messages: [{ role: 'user', content: 'Say the sentence.' }], stream_options: { include_usage: true } })
        .finalChatCompletion();
    }
    return await client.responses.stream({ model: 'gpt-test', input: 'Say the sentence.' }).finalResponse();
  } finally {
    await server.close();
  }
}

/** The SDK's answer as an Anthropic message; another endpoint's shape fails. */
export function asMessage(parsed: SdkAnswer): Anthropic.Message {
  assert.ok('type' in parsed, 'the Anthropic SDK assembled a message');
  return parsed;
}

/** The SDK's answer as a chat completion; another endpoint's shape fails. */
export function asChatCompletion(parsed: SdkAnswer): OpenAI.Chat.ChatCompletion {
  assert.ok('object' in parsed && parsed.object === 'chat.completion', 'the OpenAI SDK assembled a chat completion');
  return parsed;
}

/** The SDK's answer as a Responses response; another endpoint's shape fails. */
export function asResponse(parsed: SdkAnswer): OpenAI.Responses.Response {
  assert.ok('object' in parsed && parsed.object === 'response', 'the OpenAI SDK assembled a response');
  return parsed;
}

/** The answer text as each SDK assembles it; an answer of another endpoint's shape fails. */
export function sdkText(endpoint: StreamEndpoint, parsed: SdkAnswer): string {
  if (endpoint === 'messages')
    return asMessage(parsed)
      .content.map((b) => (b.type === 'text' ? b.text : ''))
      .join('');
  if (endpoint === 'chat') return must(must(asChatCompletion(parsed).choices[0], 'a choice').message.content, 'the message content');
  return asResponse(parsed)
    .output.flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}
