// Sessions that move between providers mid-way and single requests that carry what one provider takes and another
// refuses (issue 20, items 2 and 3), through the real bridge and SDKs against the strict fake provider. Each case
// names what it holds; the ones failing on p20-base are listed in translationPending.ts.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { StrictDialect } from '../fakeProvider/fakeProvider';
import type { Harness } from './harness';
import { TOKEN } from './harness';
import { anthropicSession, keyOf, responsesSession } from './translationMatrix';
import { must } from './must';

export interface SessionCase {
  name: string;
  run(h: Harness): Promise<void>;
}

const RATE_LIMITED = { kind: 'rateLimit' as const, headers: { 'retry-after': '60' } };

/**
 * Two tool round trips whose first turn `first` serves; then its key is rate-limited and `second` serves the rest.
 * Every request that reached a provider was taken (a refusal, or a retry after one, fails the case).
 */
function switchCase(client: 'messages' | 'responses', first: StrictDialect, second: StrictDialect, thinking: boolean): SessionCase {
  const model = first === 'anthropic' ? `anthropic-then-${second}` : `${first}-then-anthropic`;
  return {
    name: `${client}: ${first}${thinking ? ' (thinking)' : ''} → ${second} after the first tool call`,
    async run(h) {
      const beforeTurn = (turn: number): void => {
        if (turn === 1) h.provider.always(keyOf(first), RATE_LIMITED);
      };
      if (client === 'messages') await anthropicSession(h, model, true, { thinking, beforeTurn, providersJudgeIds: true });
      else await responsesSession(h, model, true, { beforeTurn });
      const served = h.provider.ledger.filter((e) => e.status !== 429).map((e) => `${e.dialect} ${e.status}`);
      assert.deepEqual(served, [`${first} 200`, `${second} 200`, `${second} 200`], 'each turn taken at once by the provider serving it');
    },
  };
}

/** One Chat request to Claude with something Chat providers take and Anthropic refuses: it must be made acceptable. */
function chatToClaude(name: string, params: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>): SessionCase {
  return {
    name: `chat → anthropic: ${name}`,
    async run(h) {
      h.provider.setResponder(() => ({ text: 'Hello.' }));
      const client = new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 });
      const completion = await client.chat.completions.create({ model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], ...params });
      assert.equal(must(completion.choices[0]).finish_reason, 'stop');
      assert.deepEqual(
        h.provider.ledger.map((e) => `${e.dialect} ${e.status}`),
        ['anthropic 200'],
      );
    },
  };
}

/** Claude Code's history after reading a screenshot: the tool result is an image, which Chat takes from users only. */
const imageToolResult: SessionCase = {
  name: 'messages → openai: a tool result holding an image',
  async run(h) {
    h.provider.setResponder(() => ({ text: 'A red dot.' }));
    const client = new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 });
    const message = await client.messages.create({
      model: 'to-gpt-4o',
      max_tokens: 256,
      messages: [
        { role: 'user', content: 'What is in shot.png?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A2b3C4d5E6f7G8h9I0j1K2', name: 'Read', input: { file_path: '/tmp/shot.png' } }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 'toolu_01A2b3C4d5E6f7G8h9I0j1K2',
              content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }],
            },
          ],
        },
      ],
    });
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(
      h.provider.ledger.map((e) => `${e.dialect} ${e.status}`),
      ['openai 200'],
    );
    assert.ok(JSON.stringify(must(h.provider.ledger[0]).body).includes('"url":"data:image/png;base64,iVBORw0KGgo="'), 'the image reached the provider');
  },
};

/**
 * A provider's refusal in its own error body — Gemini's JSON array, Mistral's `object: "error"` — reaches the
 * client as the provider's message in the client's error shape, not as the raw body.
 */
function refusalReadAs(client: 'messages' | 'responses', dialect: StrictDialect, body: unknown, message: string): SessionCase {
  return {
    name: `${client} → ${dialect}: a refusal in ${dialect}'s error body reaches the client as its message`,
    async run(h) {
      h.provider.always(keyOf(dialect), { kind: 'status', status: 400, body });
      const seen = (error: unknown): string => {
        const e = error as { status?: number; error?: { error?: { message?: string }; message?: string } };
        assert.equal(e.status, 400);
        return String(client === 'messages' ? e.error?.error?.message : e.error?.message);
      };
      const ask =
        client === 'messages'
          ? new Anthropic({ baseURL: h.anthropicBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 }).messages.create({
              model: `to-${dialect}`,
              max_tokens: 256,
              messages: [{ role: 'user', content: 'hi' }],
            })
          : new OpenAI({ baseURL: h.openaiBase, apiKey: TOKEN, maxRetries: 0, timeout: 15_000 }).responses.create({ model: `to-${dialect}`, input: 'hi' });
      await assert.rejects(ask, (error: unknown) => {
        assert.ok(seen(error).startsWith(message), `the provider's message first, not its raw body: ${seen(error)}`);
        return true;
      });
    },
  };
}

const GEMINI_REFUSAL = [{ error: { code: 400, message: 'Corrupted thought signature.', status: 'INVALID_ARGUMENT' } }];
const MISTRAL_REFUSAL = {
  object: 'error',
  message: 'Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9.',
  type: 'invalid_request_error',
  param: null,
  code: null,
};

const ROOT_ANY_OF: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'Edit',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string' }, line: { type: 'integer' }, pattern: { type: 'string' } },
      anyOf: [{ required: ['line'] }, { required: ['pattern'] }],
    },
  },
};

export const SESSION_CASES: SessionCase[] = [
  // Claude Code after its Anthropic keys ran dry, and back again.
  switchCase('messages', 'anthropic', 'deepseek', true),
  switchCase('messages', 'anthropic', 'gemini', true),
  switchCase('messages', 'anthropic', 'mistral', false),
  switchCase('messages', 'anthropic', 'groq', true),
  switchCase('messages', 'anthropic', 'openrouter', true),
  switchCase('messages', 'moonshot', 'anthropic', false),
  switchCase('messages', 'deepseek', 'anthropic', true),
  switchCase('messages', 'gemini', 'anthropic', true),
  // Codex (Responses) over the same pools.
  switchCase('responses', 'anthropic', 'deepseek', false),
  switchCase('responses', 'anthropic', 'gemini', false),
  switchCase('responses', 'deepseek', 'anthropic', false),
  switchCase('responses', 'gemini', 'anthropic', false),
  // What the outside corpus showed reaching Anthropic from Chat clients.
  chatToClaude('temperature and top_p together', { temperature: 0.2, top_p: 0.9 }),
  chatToClaude('a tool schema with anyOf at its root', { tools: [ROOT_ANY_OF] }),
  chatToClaude('reasoning_effort with a temperature', { reasoning_effort: 'high', temperature: 0.3 }),
  imageToolResult,
  // Error envelopes of the providers that do not use OpenAI's.
  refusalReadAs('messages', 'gemini', GEMINI_REFUSAL, 'Corrupted thought signature.'),
  refusalReadAs('responses', 'gemini', GEMINI_REFUSAL, 'Corrupted thought signature.'),
  refusalReadAs('messages', 'mistral', MISTRAL_REFUSAL, 'Tool call id was call_1 but must be'),
  refusalReadAs('responses', 'mistral', MISTRAL_REFUSAL, 'Tool call id was call_1 but must be'),
];
