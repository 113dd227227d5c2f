// Guards the thinking-history retry (docs/ARCHITECTURE.md §9): Anthropic refuses a thinking block signed by
// another account or provider with a 400 naming the signature, and the attempt loop then resends the request
// without its thinking history. Only that refusal may trigger the retry, and the retry must take out every
// thinking block — and nothing else — or Anthropic refuses it again (or the session loses text).
import assert from 'node:assert/strict';
import { isThinkingSignatureError, withoutThinking } from '../../src/core/translation/thinking';

describe('thinking history after a failover', () => {
  it('recognises only a 400 that names both the signature and thinking', () => {
    const refusal = 'messages.1.content.0: Invalid `signature` in `thinking` block';
    assert.equal(isThinkingSignatureError(400, refusal), true);
    assert.equal(isThinkingSignatureError(400, 'messages.1.content.0: INVALID SIGNATURE IN THINKING BLOCK'), true, 'in any case');
    assert.equal(isThinkingSignatureError(401, refusal), false, 'another status is another failure');
    assert.equal(isThinkingSignatureError(500, refusal), false);
    assert.equal(isThinkingSignatureError(400, 'Invalid signature on the request'), false, 'a signature without thinking');
    assert.equal(isThinkingSignatureError(400, 'thinking.budget_tokens: must be at least 1024'), false, 'thinking without a signature');
  });

  it('takes out thinking and redacted thinking from assistant turns, and the thinking setting with them', () => {
    const request = {
      model: 'claude-x',
      max_tokens: 1024,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'list the files' }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'I should run ls.', signature: 'sig-from-another-account' },
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.txt' }] },
      ],
    };
    assert.deepEqual(withoutThinking(request), {
      model: 'claude-x',
      max_tokens: 1024,
      messages: [
        request.messages[0],
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
        request.messages[2],
      ],
    });
    assert.deepEqual(request.thinking, { type: 'enabled', budget_tokens: 1024 }, 'the original request is left as it was');
    assert.equal(request.messages[1].content.length, 3);
  });

  it('keeps an assistant turn that held only thinking as a placeholder text, which the API takes', () => {
    const request = {
      model: 'claude-x',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'redacted_thinking', data: 'opaque' }] },
        { role: 'user', content: 'and now?' },
      ],
    };
    const stripped = withoutThinking(request);
    assert.deepEqual((stripped?.messages as unknown[])[1], { role: 'assistant', content: [{ type: 'text', text: '(thinking omitted)' }] });
  });

  it('leaves user turns and string contents alone, and answers undefined when there is no thinking to take out', () => {
    const thinkingInUserTurn = { type: 'thinking', thinking: 'quoted by the user', signature: 'x' };
    const request = {
      model: 'claude-x',
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: [thinkingInUserTurn] },
        { role: 'assistant', content: 'plain text' },
        { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
      ],
    };
    assert.equal(withoutThinking(request), undefined, 'nothing to retry without');
    assert.equal(withoutThinking({ model: 'claude-x' }), undefined, 'no messages at all');
  });
});
