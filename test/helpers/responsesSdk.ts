import OpenAI from 'openai';
import type { SseEvent } from '../../src/core/protocols/sse';
import { sseBytes } from './continuationFixtures';
import { serveCannedStream } from './sseStreams';

export interface SdkResponsesRun {
  /** What `finalResponse()` gives: the response of response.completed, else the SDK's own assembly of the deltas. */
  final: OpenAI.Responses.Response;
  /** Every event as the SDK typed it, in order. */
  events: OpenAI.Responses.ResponseStreamEvent[];
  /** The SDK's running text of each message item (by output_index), assembled from output_text deltas alone. */
  textSnapshots: Map<number, string>;
  /** The SDK's running arguments of each function_call item (by output_index), assembled from the deltas alone. */
  argumentSnapshots: Map<number, string>;
}

/**
 * Serves translated Responses events to the real `openai` SDK (`responses.stream`) on 127.0.0.1, and keeps what it
 * made of them: the SDK throws on an event for an output or content index it has not been told about, and its
 * snapshots show what the deltas add up to, apart from what response.completed claims.
 */
export async function responsesBySdk(events: SseEvent[]): Promise<SdkResponsesRun> {
  const server = await serveCannedStream(Buffer.from(sseBytes(events)));
  try {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test-key-sdk', maxRetries: 0, timeout: 5_000 });
    const stream = client.responses.stream({ model: 'gpt-test', input: 'Go.' });
    const run: Omit<SdkResponsesRun, 'final'> = { events: [], textSnapshots: new Map(), argumentSnapshots: new Map() };
    stream.on('event', (event) => run.events.push(event));
    stream.on('response.output_text.delta', (event) => run.textSnapshots.set(event.output_index, event.snapshot));
    stream.on('response.function_call_arguments.delta', (event) => run.argumentSnapshots.set(event.output_index, event.snapshot));
    return { ...run, final: await stream.finalResponse() };
  } finally {
    await server.close();
  }
}

/** The output items as the translator wrote them, without the fields the SDK adds (`parsed`, `parsed_arguments`). */
export function withoutSdkFields(output: OpenAI.Responses.ResponseOutputItem[]): unknown[] {
  return output.map((item) => {
    const { parsed_arguments: _args, ...rest } = item as OpenAI.Responses.ResponseOutputItem & { parsed_arguments?: unknown };
    if (rest.type !== 'message') return rest;
    return {
      ...rest,
      content: rest.content.map((part) => {
        const { parsed: _parsed, ...written } = part as typeof part & { parsed?: unknown };
        return written;
      }),
    };
  });
}

/** The function calls among the output items, typed as the SDK types them. */
export function functionCalls(output: OpenAI.Responses.ResponseOutputItem[]): OpenAI.Responses.ResponseFunctionToolCall[] {
  return output.filter((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
}
