// Guards the log against injection: a `model` holding a newline and ANSI escapes forged a "ready → invalid"
// line of its own in the headless bridge's output. Every client- or provider-controlled value in a log line
// (the model, the path, a provider's error code) is escaped - no newline, carriage return or escape character
// reaches a line - and cut to a bounded length.
import assert from 'node:assert/strict';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';

const FORGED = '2026-01-01T00:00:00.000Z info key oa/k2 (oa-…ey-2) ready → invalid: HTTP 401 invalid_api_key';

describe('log injection', function () {
  this.timeout(15_000);
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(async () => h.close());

  it('escapes and caps every request and provider field in log lines', async () => {
    const model = `gpt-test\n${FORGED}\r\n\x1b[31mred\x1b[0m\u2028${'m'.repeat(5_000)}`;
    const res = await post(`${h.openaiBase}/chat/completions?x=%0a`, chatBody({ model }));
    assert.equal(res.status, 200);
    // A provider whose error code carries a line break and a colour, for the key-change line.
    h.provider.fault('oa-key-1', {
      kind: 'status',
      status: 401,
      body: { error: { type: 'invalid_request_error', code: `invalid_api_key\n${FORGED}\x1b[2J`, message: 'no' } },
    });
    assert.equal((await post(`${h.openaiBase}/chat/completions`, chatBody())).status, 200);

    const lines = h.logs.filter((l) => /chat\/completions|→ invalid/.test(l));
    assert.ok(lines.length >= 3, h.logs.join('\n'));
    for (const line of h.logs) {
      assert.doesNotMatch(line, /[\n\r\x1b\u2028]/, `raw control character in: ${JSON.stringify(line.slice(0, 300))}`);
      assert.ok(line.length < 1_000, `a ${line.length}-character line`);
    }
    assert.ok(
      h.logs.some((l) => l.includes('model=gpt-test\\x0a2026-01-01')),
      'the model is still readable, escaped',
    );
  });
});
