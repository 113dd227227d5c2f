// Guards the SSE scanner: events split across chunks and multi-byte characters, comments, CRLF framing.
import assert from 'node:assert/strict';
import { SseScanner, type SseEvent } from '../../src/core/protocols/sse';

/** The events of a whole stream by the letter of the SSE framing rules: blank lines (CRLF, LF or CR) end events. */
function eventsByTheRules(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split(/\r\n\r\n|\n\n|\r\r/)) {
    if (!block.trim()) continue;
    let name = '';
    let data: string | undefined;
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    }
    events.push({ name, data });
  }
  return events;
}

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

  it('finds the same events whatever the line endings and wherever a chunk ends (LF-only streams take a shortcut)', () => {
    const streams = [
      'data: {"a":1}\n\ndata: {"b":2}\n\n\n\ndata: [DONE]\n\n',
      'event: x\ndata: 1\ndata: 2\n\n: keepalive\n\nevent: y\ndata:3\n\n',
      'data: lf\n\ndata: crlf\r\n\r\ndata: cr\r\rdata: after\n\n',
      'data: a\r\n\ndata: b\n\r\ndata: c\r\n\r\n',
      'event: ping\n\n\n\n\ndata: x\n\n',
      'data: no blank line at the end\ndata: second line',
    ];
    for (const text of streams) {
      const bytes = Buffer.from(text);
      const expected = eventsByTheRules(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        for (let second = cut; second <= bytes.length; second += 3) {
          const scanner = new SseScanner();
          const events = [
            ...scanner.push(bytes.subarray(0, cut)),
            ...scanner.push(bytes.subarray(cut, second)),
            ...scanner.push(bytes.subarray(second)),
            ...scanner.end(),
          ];
          assert.deepEqual(events, expected, `${JSON.stringify(text)} cut at ${cut} and ${second}`);
        }
      }
    }
  });

  it('reads every line shape as the rules do: no colon, no space or two after it, colons in the value, other fields, comments', () => {
    const shapes = [
      'data',
      'data:',
      'data:x',
      'data: x',
      'data:  two spaces',
      'data: a:b: c',
      'event',
      'event:name',
      'event: name',
      'eventx: y',
      'dat: z',
      'datax: y',
      'id: 3',
      ': comment',
      'data: ✓ ünïcode',
    ];
    const blocks: string[][] = shapes.map((line) => [line]);
    for (const a of shapes) for (const b of shapes) blocks.push([a, b], [a, b, 'data: third']);
    for (const eol of ['\n', '\r\n']) {
      const text = blocks.map((lines) => lines.join(eol)).join(eol + eol) + eol + eol;
      const scanner = new SseScanner();
      assert.deepEqual([...scanner.push(Buffer.from(text)), ...scanner.end()], eventsByTheRules(text), JSON.stringify(eol));
    }
  });
});
