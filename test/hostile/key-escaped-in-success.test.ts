// Guards non-streamed success bodies against a provider that echoes the key spelt with JSON `\u00XX` escapes
// (every character, or some of them, in upper- or lower-case hex, with the body cut inside an escape): the
// client's JSON parse gives back the text with the key masked, whatever the mixture, and Content-Length holds.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bridge } from '../../src/core/bridge';
import { TEST_TUNING } from '../helpers/harness';

const KEY = 'sk-test-key-escaped.Kq3vX9mP2rT8wY5zA1bC'; // the dot keeps it from reading as a real key
const TOKEN = 'kb-escaped-echo-token';

/** The key with the characters `escaped` picks spelt as JSON escapes, as they appear inside a JSON string. */
function spell(key: string, escaped: (i: number) => boolean, upper = false): string {
  return Array.from(key)
    .map((c, i) => {
      if (!escaped(i)) return c;
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    })
    .join('');
}

/** Which spelling the provider uses, chosen by the model the client asks for. */
const SPELLINGS: Record<string, string> = {
  'every-char': spell(KEY, () => true),
  'every-other-char': spell(KEY, (i) => i % 2 === 0, true),
  'middle-only': spell(KEY, (i) => i >= 10 && i < 30),
  'a-few': spell(KEY, (i) => i % 7 === 3),
};

/** Every run of 12 of the key's characters: a text holding none of them holds no usable part of the key. */
function quotesKey(text: string): boolean {
  for (let i = 0; i + 12 <= KEY.length; i++) if (text.includes(KEY.slice(i, i + 12))) return true;
  return false;
}

describe('a key echoed with JSON escapes in a successful answer', () => {
  let upstream: Server;
  let bridge: Bridge;

  before(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { model } = JSON.parse(body) as { model: string };
        const [spelling, framing] = model.split('/');
        const quoted = SPELLINGS[spelling];
        const pad = framing === 'whole' ? 10 : 70_000;
        // JSON.stringify would escape the backslashes: the escapes are spliced into the text as a provider writes them.
        const text = JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          note: `${'x'.repeat(pad)} your key QUOTE ${'y'.repeat(pad)}`,
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        }).replace('QUOTE', quoted);
        if (framing === 'whole') {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          return void res.end(text);
        }
        // Cut inside an escape (after `\u00`), in a body of several chunks, with and without a Content-Length.
        const cut = text.indexOf('\\u00', text.indexOf('your key') + 20) + 4;
        res.writeHead(200, { 'content-type': 'application/json', ...(framing === 'sized' ? { 'content-length': Buffer.byteLength(text) } : {}) });
        res.write(text.slice(0, cut));
        setTimeout(() => res.end(text.slice(cut)), 30);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    bridge = new Bridge({
      config: {
        pools: [
          {
            id: 'oa',
            protocol: 'openai',
            baseUrl: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
            strategy: 'fill-first',
            keys: [{ id: 'k1', secret: KEY }],
          },
        ],
        routes: [],
        tuning: TEST_TUNING,
      },
      port: 0,
      token: TOKEN,
      adminToken: 'kb-escaped-echo-admin',
    });
    await bridge.start();
  });
  after(async () => {
    await bridge.dispose(0);
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  const chat = async (model: string) => {
    const res = await fetch(`${bridge.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    return { res, text: await res.text() };
  };

  for (const spelling of Object.keys(SPELLINGS)) {
    for (const framing of ['whole', 'sized', 'chunked']) {
      it(`masks the key spelt with escapes (${spelling}), the body ${framing === 'whole' ? 'in one piece' : `cut inside an escape, ${framing}`}`, async () => {
        const { res, text } = await chat(`${spelling}/${framing}`);
        assert.equal(res.status, 200);
        if (framing !== 'chunked') assert.equal(Number(res.headers.get('content-length')), Buffer.byteLength(text));
        const note = (JSON.parse(text) as { note: string }).note;
        assert.match(note, /your key \*+ y/);
        assert.ok(!quotesKey(note), `the client's JSON parse gives back the key: ${note.slice(note.indexOf('your key'), note.indexOf('your key') + 60)}`);
      });
    }
  }
});
