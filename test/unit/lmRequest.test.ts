// Guards the request a VS Code language model request becomes: a tool call and its result must reach the
// provider paired and in the order each protocol demands (Anthropic: tool_result first in the user turn;
// Chat: a `tool` message right after the assistant's tool_calls), images as images, the tool mode as
// tool_choice, and no max_tokens to OpenAI unless asked (reasoning models refuse it).
import assert from 'node:assert/strict';
import { bridgeRequestBody, type LmChatRequest, type LmTarget } from '../../src/core/languageModels/lmRequest';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

const conversation: LmChatRequest = {
  messages: [
    { role: 'system', parts: [{ kind: 'text', text: 'Be brief.' }] },
    {
      role: 'user',
      parts: [
        { kind: 'text', text: 'What is in this picture, and the weather?' },
        { kind: 'image', mimeType: 'image/png', data: PNG },
      ],
    },
    {
      role: 'assistant',
      parts: [
        { kind: 'text', text: 'Checking.' },
        { kind: 'toolCall', callId: 'call:1/x', name: 'weather', input: { city: 'Oslo' } },
      ],
    },
    {
      role: 'user',
      parts: [
        { kind: 'text', text: 'Here you go.' },
        { kind: 'toolResult', callId: 'call:1/x', content: [{ kind: 'text', text: 'rain' }], isError: false },
      ],
    },
  ],
  tools: [{ name: 'weather', description: 'Weather by city', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }],
  toolMode: 'required',
  modelOptions: { temperature: 0.2, unknown_option: 'not sent' },
};

const anthropic: LmTarget = { protocol: 'anthropic', model: 'claude-x', maxOutputTokens: 4096 };
const openai: LmTarget = { protocol: 'openai', model: 'gpt-x', maxOutputTokens: 4096 };

describe('language model request → bridge request', () => {
  it('writes Anthropic Messages: system apart, tool_result first in its user turn, ids Anthropic accepts', () => {
    const { body, notes } = bridgeRequestBody(anthropic, conversation);
    assert.deepEqual(notes.dropped, []);
    assert.equal(body.model, 'claude-x');
    assert.equal(body.stream, true);
    assert.equal(body.max_tokens, 4096, "Anthropic requires max_tokens: the model's maxOutputTokens");
    assert.equal(body.system, 'Be brief.');
    assert.equal(body.temperature, 0.2);
    assert.equal('unknown_option' in body, false);
    assert.deepEqual(body.tool_choice, { type: 'any' });
    assert.deepEqual(body.tools, [
      { name: 'weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture, and the weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.from(PNG).toString('base64') } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1_x', name: 'weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1_x', content: [{ type: 'text', text: 'rain' }] },
          { type: 'text', text: 'Here you go.' },
        ],
      },
    ]);
  });

  it("writes Chat Completions through the bridge's translator: tool message after the calls, images as data URLs", () => {
    const { body } = bridgeRequestBody(openai, conversation);
    assert.equal(body.model, 'gpt-x');
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.equal('max_tokens' in body, false, 'no token limit unless the caller set one');
    assert.equal(body.tool_choice, 'required');
    assert.deepEqual(body.tools, [
      {
        type: 'function',
        function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, description: 'Weather by city' },
      },
    ]);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'Be brief.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture, and the weather?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from(PNG).toString('base64')}` } },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [{ id: 'call_1_x', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1_x', content: 'rain' },
      { role: 'user', content: 'Here you go.' },
    ]);
    assert.equal(bridgeRequestBody(openai, { ...conversation, modelOptions: { max_tokens: 100 } }).body.max_tokens, 100);
  });

  it('merges consecutive turns of one role, drops empty text, and names what it cannot carry', () => {
    const { body, notes } = bridgeRequestBody(anthropic, {
      messages: [
        { role: 'user', parts: [{ kind: 'text', text: 'one' }] },
        {
          role: 'user',
          parts: [
            { kind: 'text', text: '' },
            { kind: 'text', text: 'two' },
            { kind: 'image', mimeType: 'image/tiff', data: PNG },
          ],
        },
        { role: 'assistant', parts: [{ kind: 'text', text: '' }] },
      ],
      tools: [],
      toolMode: 'auto',
    });
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
        ],
      },
    ]);
    assert.equal('tools' in body || 'tool_choice' in body, false);
    assert.deepEqual(notes.dropped, ['an attachment of type image/tiff']);
  });

  it('marks a failed tool result as an error in both protocols', () => {
    const failed: LmChatRequest = {
      messages: [
        { role: 'assistant', parts: [{ kind: 'toolCall', callId: 'c1', name: 'run', input: {} }] },
        { role: 'user', parts: [{ kind: 'toolResult', callId: 'c1', content: [{ kind: 'text', text: 'exit 1' }], isError: true }] },
      ],
      tools: [{ name: 'run', description: 'Run' }],
      toolMode: 'auto',
    };
    const messages = bridgeRequestBody(anthropic, failed).body.messages as { content: { is_error?: boolean }[] }[];
    assert.equal(messages[1].content[0].is_error, true);
    const chat = bridgeRequestBody(openai, failed).body.messages as { role: string; content: string }[];
    assert.deepEqual(chat[1], { role: 'tool', tool_call_id: 'c1', content: 'Error: exit 1' });
    assert.deepEqual(
      (bridgeRequestBody(anthropic, failed).body.tools as { input_schema: unknown }[])[0].input_schema,
      { type: 'object', properties: {} },
      'a tool without a schema takes an empty object',
    );
  });
});
