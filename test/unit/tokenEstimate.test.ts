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
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'b'.repeat(400) }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x' } }] }] },
      ],
      tools: [{ name: 'read', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
    };
    const more = estimateInputTokens(withTools) - estimateInputTokens(base);
    assert.ok(more >= 100 + 1_600 + 25, `the tool traffic, result text and image add ${more}`);
    assert.ok(more <= 100 + 1_600 + 80, `and not far more: ${more}`);
  });

  it('answers at least 1 for an empty request', () => {
    assert.equal(estimateInputTokens({}), 1);
  });
});
