// Guards issue 20's "requests every provider accepts": what the translation writes for a target must pass the rules
// that provider's API enforces — Anthropic's tool-id pattern, its refusal of oneOf/anyOf/allOf at a schema's root,
// of temperature with top_p on current Claude models and of empty text blocks; OpenAI's image detail enum and
// 40-character tool-call ids; Mistral's nine-character ids. Each rule is the fake provider's, in the provider's words.
import assert from 'node:assert/strict';
import { translation } from '../helpers/requestTranslation';
import { requestProblem } from '../fakeProvider/requestRules';
import { must } from '../helpers/must';

// Each pool names its dialect and its base URL: the translation reads the dialect, never the host.
const ANTHROPIC = { protocol: 'anthropic' as const, dialect: 'generic' as const, baseUrl: 'https://api.anthropic.com', responses: true };
const OPENAI = { protocol: 'openai' as const, dialect: 'openai' as const, baseUrl: 'https://api.openai.com/v1', responses: false };
const DEEPSEEK = { protocol: 'openai' as const, dialect: 'deepseek' as const, baseUrl: 'https://api.deepseek.com/v1', responses: false };
const MISTRAL = { protocol: 'openai' as const, dialect: 'mistral' as const, baseUrl: 'https://api.mistral.ai/v1', responses: false };

const CHAT = { protocol: 'openai' as const, endpoint: 'chat' as const };
const RESPONSES = { protocol: 'openai' as const, endpoint: 'responses' as const };
const MESSAGES = { protocol: 'anthropic' as const, endpoint: 'messages' as const };

type Body = Record<string, unknown>;
const messagesOf = (body: Body) => body.messages as { role: string; content: unknown; tool_calls?: { id: string }[]; tool_call_id?: string }[];

/** A Chat client's history after a Kimi target answered: its tool-call ids look like `functions.Bash:0`. */
const kimiHistory = (extra: Body = {}): Body => ({
  model: 'kimi-k2',
  messages: [
    { role: 'user', content: 'List the files.' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'functions.Bash:0', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
    { role: 'tool', tool_call_id: 'functions.Bash:0', content: 'a.ts' },
  ],
  tools: [{ type: 'function', function: { name: 'Bash', parameters: { type: 'object', properties: { command: { type: 'string' } } } } }],
  ...extra,
});

describe('translated requests pass the rules of the provider they go to', () => {
  it("maps tool ids Anthropic refuses (Kimi's functions.Bash:0) alike in the call and its result", () => {
    for (const stream of [true, false]) {
      const { body } = translation(CHAT, ANTHROPIC).request(kimiHistory({ stream }), 'claude-sonnet-4-5');
      assert.equal(requestProblem('messages', body), undefined);
      const [, call, result] = messagesOf(body).map((m) => (m.content as Body[])[0]);
      assert.equal(call.id, 'functions_Bash_0');
      assert.equal(result.tool_use_id, 'functions_Bash_0');
    }
  });

  it('gives Anthropic one object for a tool schema with oneOf, anyOf or allOf at its root, and says what changed', () => {
    const alternatives = {
      oneOf: [
        { type: 'object', properties: { path: { type: 'string' }, force: { type: 'boolean' } }, required: ['path', 'force'] },
        { type: 'object', properties: { url: { type: 'string' }, force: { type: 'boolean' } }, required: ['url', 'force'] },
      ],
    };
    const parts = {
      type: 'object',
      description: 'Fetch',
      allOf: [
        { properties: { url: { type: 'string' } }, required: ['url'] },
        { type: 'object', properties: { depth: { type: 'integer' } } },
      ],
    };
    const tools = [
      { type: 'function', function: { name: 'open', parameters: alternatives } },
      { type: 'function', function: { name: 'fetch', parameters: parts } },
    ];
    const { body, notes } = translation(CHAT, ANTHROPIC).request({ model: 'gpt-x', tools, messages: [{ role: 'user', content: 'hi' }] }, 'claude-sonnet-4-5');
    assert.equal(requestProblem('messages', body), undefined);
    assert.deepEqual(
      (body.tools as { input_schema: unknown }[]).map((t) => t.input_schema),
      [
        { type: 'object', properties: { path: { type: 'string' }, force: { type: 'boolean' }, url: { type: 'string' } }, required: ['force'] },
        { type: 'object', description: 'Fetch', properties: { url: { type: 'string' }, depth: { type: 'integer' } }, required: ['url'] },
      ],
    );
    assert.ok(notes.dropped.includes("a tool schema's oneOf at its root (sent as one object with every branch's properties)"), notes.dropped.join(', '));
    assert.ok(notes.dropped.includes("a tool schema's allOf at its root (sent as one object with every branch's properties)"), notes.dropped.join(', '));
    assert.equal(
      requestProblem('messages', {
        model: 'm',
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ name: 'open', input_schema: alternatives }],
      }),
      'tools.0.custom.input_schema: input_schema does not support oneOf, allOf, or anyOf at the top level',
    );
    // Codex's tools reach Anthropic through the same writer.
    const codex = translation(RESPONSES, ANTHROPIC).request(
      { model: 'gpt-5', input: 'hi', tools: [{ type: 'function', name: 'open', parameters: { type: 'object', anyOf: alternatives.oneOf } }] },
      'claude-sonnet-4-5',
    );
    assert.equal(requestProblem('messages', codex.body), undefined);
  });

  it('sends a Claude model that refuses the pair only the temperature, not top_p as well, and says so', () => {
    const { body, notes } = translation(CHAT, ANTHROPIC).request(kimiHistory({ temperature: 0.3, top_p: 0.9 }), 'claude-sonnet-4-5');
    assert.equal(requestProblem('messages', body), undefined);
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, undefined);
    assert.ok(notes.dropped.includes('top_p (with temperature)'));
    assert.equal(translation(CHAT, ANTHROPIC).request(kimiHistory({ top_p: 0.9 }), 'claude-sonnet-4-5').body.top_p, 0.9, 'top_p alone still goes');
    assert.match(
      requestProblem('messages', { model: 'claude-haiku-4-5', max_tokens: 8, temperature: 1, top_p: 1, messages: [{ role: 'user', content: 'hi' }] }) ?? '',
      /cannot both be specified/,
    );
  });

  it('leaves out the empty text parts a Chat client may send, which Anthropic refuses as blocks', () => {
    const request = {
      model: 'gpt-x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'hi' },
          ],
        },
      ],
    };
    const { body } = translation(CHAT, ANTHROPIC).request(request, 'claude-sonnet-4-5');
    assert.equal(requestProblem('messages', body), undefined);
    assert.deepEqual(messagesOf(body), [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it("sends an image detail Chat knows: Responses' `original` step is left to the provider's default", () => {
    const image = (detail: string) => ({
      model: 'gpt-5',
      input: [
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'see' },
            { type: 'input_image', image_url: 'https://example.test/a.png', detail },
          ],
        },
      ],
    });
    const original = translation(RESPONSES, OPENAI).request(image('original'), 'gpt-4.1').body;
    assert.equal(requestProblem('chat', original), undefined);
    assert.deepEqual(messagesOf(original)[0].content, [
      { type: 'text', text: 'see' },
      { type: 'image_url', image_url: { url: 'https://example.test/a.png' } },
    ]);
    const low = translation(RESPONSES, OPENAI).request(image('low'), 'gpt-4.1').body;
    assert.deepEqual((messagesOf(low)[0].content as Body[])[1], { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'low' } });
  });

  it('shortens tool-call ids longer than OpenAI takes, alike in the call and its result', () => {
    const long = `fc_${'0123456789'.repeat(5)}`;
    const request = {
      model: 'gpt-5',
      input: [
        { role: 'user', content: 'go' },
        { type: 'function_call', call_id: long, name: 'shell', arguments: '{}' },
        { type: 'function_call_output', call_id: long, output: 'done' },
      ],
      tools: [{ type: 'function', name: 'shell', parameters: { type: 'object', properties: {} } }],
    };
    const { body } = translation(RESPONSES, OPENAI).request(request, 'gpt-4.1');
    assert.equal(requestProblem('chat', body), undefined);
    const [, call, result] = messagesOf(body);
    assert.ok(must(call.tool_calls)[0].id.length <= 40);
    assert.equal(result.tool_call_id, must(call.tool_calls)[0].id);
    assert.notEqual(must(call.tool_calls)[0].id, long);
  });

  it("gives Mistral nine-character tool-call ids for Claude Code's, the same on every turn", () => {
    const claudeHistory = {
      model: 'claude-sonnet-4-5',
      max_tokens: 1000,
      messages: [
        { role: 'user', content: 'List the files.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'a.ts' }] },
      ],
    };
    const first = translation(MESSAGES, MISTRAL).request(claudeHistory, 'mistral-large-latest').body;
    assert.equal(requestProblem('chat', first), undefined);
    const [, call, result] = messagesOf(first);
    assert.match(must(call.tool_calls)[0].id, /^[a-zA-Z0-9]{9}$/);
    assert.equal(result.tool_call_id, must(call.tool_calls)[0].id);
    const again = translation(MESSAGES, MISTRAL).request(claudeHistory, 'mistral-large-latest').body;
    assert.equal(must(messagesOf(again)[1].tool_calls)[0].id, must(call.tool_calls)[0].id, 'a later request maps the id the same way');
    // Mistral's own ids (from an answer it gave) go back as they came; other providers keep theirs.
    const own = {
      ...claudeHistory,
      messages: JSON.parse(JSON.stringify(claudeHistory.messages).replaceAll('toolu_01A09q90qw90lq917835lq9', 'D681PevKs')) as unknown[],
    };
    assert.equal(must(messagesOf(translation(MESSAGES, MISTRAL).request(own, 'mistral-large-latest').body)[1].tool_calls)[0].id, 'D681PevKs');
    assert.equal(must(messagesOf(translation(MESSAGES, OPENAI).request(claudeHistory, 'gpt-4.1').body)[1].tool_calls)[0].id, 'toolu_01A09q90qw90lq917835lq9');
    assert.match(
      requestProblem('chat', {
        ...first,
        model: 'mistral-large-latest',
        messages: messagesOf(translation(MESSAGES, OPENAI).request(claudeHistory, 'x').body),
      }) ?? '',
      /must be a-z, A-Z, 0-9, with a length of 9/,
    );
  });

  it('sends OpenAI at most four stop sequences, and none to its reasoning models, saying what stayed behind', () => {
    const request = { model: 'claude-sonnet-4-5', max_tokens: 100, stop_sequences: ['a', 'b', 'c', 'd', 'e'], messages: [{ role: 'user', content: 'hi' }] };
    const chat = translation(MESSAGES, OPENAI).request(request, 'gpt-4.1');
    assert.equal(requestProblem('chat', chat.body), undefined);
    assert.deepEqual(chat.body.stop, ['a', 'b', 'c', 'd']);
    assert.deepEqual(chat.notes.dropped, ['stop sequences past the fourth']);
    const reasoning = translation(MESSAGES, OPENAI).request(request, 'o4-mini');
    assert.equal(reasoning.body.stop, undefined);
    assert.deepEqual(reasoning.notes.dropped, ['stop sequences (the reasoning model takes none)']);
  });

  it('gives DeepSeek, which takes no images, a line where each image was, and says so', () => {
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is on it?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Shot', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'url', url: 'https://example.test/s.png' } }] }],
        },
      ],
    };
    for (const stream of [true, false]) {
      const { body, notes } = translation(MESSAGES, DEEPSEEK).request({ ...request, stream }, 'deepseek-chat');
      assert.equal(requestProblem('chat', body), undefined);
      assert.equal(messagesOf(body)[0].content, 'What is on it?\n\n(an image was here; this provider takes none)');
      assert.equal(messagesOf(body)[3].content, '(an image was here; this provider takes none)');
      assert.deepEqual(notes.dropped, ['images (the provider takes none)']);
    }
    const openai = translation(MESSAGES, OPENAI).request(request, 'gpt-4.1').body;
    assert.match(requestProblem('chat', { ...openai, model: 'deepseek-chat' }) ?? '', /unknown variant `image_url`, expected `text`/);
  });

  it('sends Anthropic only the image types it takes, and a prefill without the trailing whitespace it refuses', () => {
    const request = {
      model: 'gpt-x',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        { role: 'assistant', content: 'The first one is \n' },
      ],
    };
    const { body, notes } = translation(CHAT, ANTHROPIC).request(request, 'claude-sonnet-4-5');
    assert.equal(requestProblem('messages', body), undefined);
    assert.deepEqual(messagesOf(body), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'The first one is' }] },
    ]);
    assert.deepEqual(notes.dropped, ['an image of a type Anthropic does not take (image/bmp)']);
  });
});
