// The connection limiter (src/core/server/connectionLimits.ts) on its own, with stand-in sockets: which idle
// connection the cap evicts, when a connection with pipelined requests counts as idle again, and that a socket
// destroyed with a response in flight never comes back as idle. The real server's side is test/hostile/idle-connection-flood.
import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { ConnectionLimiter } from '../../src/core/server/connectionLimits';

/** A response on no connection; `sent` gives it a head, as `headersSent` reads it. */
function response(sent = false): ServerResponse {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  if (sent) res.writeHead(200);
  return res;
}

const socket = (): Socket => new Socket();

describe('connection limiter', () => {
  const limiters: ConnectionLimiter[] = [];
  const refused: Socket[] = [];
  const limiter = (maxConnections: number, idleTimeoutMs = 60_000): ConnectionLimiter => {
    const made = new ConnectionLimiter({ maxConnections, idleTimeoutMs }, (s) => refused.push(s));
    limiters.push(made);
    return made;
  };
  afterEach(() => {
    for (const l of limiters.splice(0)) l.dispose();
    refused.length = 0;
  });

  it('evicts the connection idle the longest: one that just served a request goes after an older idle one', () => {
    const l = limiter(2);
    const a = socket();
    const b = socket();
    l.accept(a);
    l.accept(b);
    const served = response();
    l.requestStarted(a, served);
    l.requestEnded(a, served); // a is idle again, since after b
    l.accept(socket());
    assert.equal(b.destroyed, true, 'b, idle since it opened, is evicted');
    assert.equal(a.destroyed, false);
  });

  it('keeps a connection busy until the last of its pipelined responses closes, and refuses when all are busy', () => {
    const l = limiter(1);
    const a = socket();
    l.accept(a);
    const first = response(true);
    const second = response();
    l.requestStarted(a, first);
    l.requestStarted(a, second);
    l.requestEnded(a, first);
    assert.equal(l.answering(a), false, 'the second response has not sent its head');
    const b = socket();
    l.accept(b);
    assert.deepEqual(refused, [b], 'a still has a request in flight');
    assert.equal(a.destroyed, false);
    l.requestEnded(a, second);
    l.accept(socket());
    assert.equal(a.destroyed, true, 'idle now, a makes room');
  });

  it('says a response is under way once one of the connection’s responses sent its head', () => {
    const l = limiter(4);
    const a = socket();
    l.accept(a);
    l.requestStarted(a, response(false));
    assert.equal(l.answering(a), false);
    l.requestStarted(a, response(true));
    assert.equal(l.answering(a), true);
    assert.equal(l.answering(socket()), false, 'a connection never accepted');
  });

  it('never counts a socket destroyed with a response in flight as idle', async () => {
    const l = limiter(1);
    const a = socket();
    l.accept(a);
    const res = response();
    l.requestStarted(a, res);
    a.destroy(); // its 'close' comes on a later tick
    l.requestEnded(a, res);
    assert.equal(l.open, 0);
    await new Promise((r) => setImmediate(r));
    assert.equal(l.open, 0);
  });

  it('closes connections idle past the timeout, and only those', async () => {
    const l = limiter(8, 60);
    const idle = socket();
    const busy = socket();
    l.accept(idle);
    l.accept(busy);
    l.requestStarted(busy, response());
    const started = Date.now();
    // Polled rather than slept: the sweep runs every 50 ms here, later on a loaded machine.
    while (!idle.destroyed && Date.now() - started < 3_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(idle.destroyed, true);
    assert.ok(Date.now() - started >= 50, 'not closed before the idle timeout');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(busy.destroyed, false);
  });
});
