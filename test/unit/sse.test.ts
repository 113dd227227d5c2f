// Guards the SSE scanner: events split across chunks and multi-byte characters, comments, CRLF framing.
import assert from 'node:assert/strict';
import { SseScanner } from '../../src/core/protocols/sse';

describe('SSE scanner', () => {
  it('reassembles events split at any byte, including inside a UTF-8 character', () => {
    const text = 'event: message_start\ndata: {"a":"héllo ✓"}\n\n: comment\n\ndata: {"b":2}\ndata: more\n\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const scanner = new SseScanner();
      const events = [...scanner.push(bytes.subarray(0, cut)), ...scanner.push(bytes.subarray(cut)), ...scanner.end()];
      assert.deepEqual(events, [
        { name: 'message_start', data: '{"a":"héllo ✓"}' },
        { name: '', data: undefined },
        { name: '', data: '{"b":2}\nmore' },
      ]);
    }
  });

  it('accepts CRLF framing and a final event without a blank line', () => {
    const scanner = new SseScanner();
    const events = [...scanner.push(Buffer.from('event: x\r\ndata: 1\r\n\r\ndata: [DONE]')), ...scanner.end()];
    assert.deepEqual(events, [
      { name: 'x', data: '1' },
      { name: '', data: '[DONE]' },
    ]);
  });
});
