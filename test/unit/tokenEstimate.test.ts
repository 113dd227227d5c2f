// Guards the count_tokens estimate for Anthropic routes served by another protocol (issue 11): it must grow with
// what the model would read (text, tool inputs and results, tool definitions, images) and stay near the providers'
// four-characters-per-token rule, so an agent's decision to compact a conversation is not thrown off.
import assert from 'node:assert/strict';
import { estimateInputTokens } from '../../src/core/translation/tokenEstimate';

describe('translation: count_tokens estimate', () => {
  it('counts text at about four characters per token, system included', () => {
    assert.equal(estimateInputTokens({ system: 'x'.repeat(400), messages: [{ role: 'user', content: 'y'.repeat(800) }] }), 300);
    assert.equal(estimateInputTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'z'.repeat(41) }] }] }), 11);
  });

  it('counts tool calls, tool results, tool definitions and images', () => {
    const base = { messages: [{ role: 'user', content: 'hi' }] };
    const withTools = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'read', input: { path: 'a'.repeat(100) } }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't',
              content: [
                { type: 'text', text: 'b'.repeat(400) },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x' } },
              ],
            },
          ],
        },
      ],
      tools: [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
    };
    const more = estimateInputTokens(withTools) - estimateInputTokens(base);
    assert.ok(more >= 100 + 1_600 + 25, `the tool traffic, result text and image add ${more}`);
    assert.ok(more <= 100 + 1_600 + 80, `and not far more: ${more}`);
  });

  it('counts each kind of block by what the model reads of it', () => {
    const count = (system: unknown, content: unknown) => estimateInputTokens({ system, messages: [{ role: 'user', content }] });
    assert.equal(
      count(
        [
          { type: 'text', text: 'x'.repeat(40) },
          { type: 'text', text: 'y'.repeat(4) },
        ],
        '',
      ),
      11,
      'system blocks, each rounded up',
    );
    assert.equal(count(undefined, [{ type: 'text' }]), 0 + 1, 'a text block without text reads as nothing (the floor is 1)');
    // name 4 + {"path":"abcd"} 15 = 19 characters: 5 tokens; no input reads as {}.
    assert.equal(count(undefined, [{ type: 'tool_use', id: 'toolu_1', name: 'read', input: { path: 'abcd' } }]), 5);
    assert.equal(
      count(undefined, [
        { type: 'tool_use', id: 'toolu_1', name: 'read' },
        { type: 'tool_use', input: {} },
      ]),
      2 + 1,
    );
    assert.equal(count(undefined, [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'z'.repeat(8) }]), 2);
    assert.equal(
      count(undefined, [
        { type: 'tool_result', tool_use_id: 'toolu_1' },
        { type: 'image', source: {} },
      ]),
      1_600,
    );
    // A thinking block by its JSON: {"type":"thinking","thinking":"hmm","signature":"s"} is 51 characters.
    assert.equal(count(undefined, [{ type: 'thinking', thinking: 'hmm', signature: 's' }]), 13);
  });

  it('answers at least 1 for an empty request', () => {
    assert.equal(estimateInputTokens({}), 1);
  });
});
