// Guards against a flood of connections that send nothing: ~23,000 of them (no token needed) stayed open for
// good and exhausted the file descriptors, so real clients failed. Connections are capped (the cap reached by
// idle sockets evicts the oldest, so a healthy client is still served), idle ones are closed after the idle
// timeout, and only when every connection is busy is a new one refused, with a 503 and Retry-After. Small
// limits set through the option keep the test bounded (300 sockets, not 23,000).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { chatBody, post, startHarness, type Harness } from '../helpers/harness';
import { parseRawAnswer } from './rawHttp';

const CAP = 40;
const IDLE_MS = 800;

interface Idle {
  socket: Socket;
  closed: boolean;
  received: string;
}

/** Opens a connection that sends nothing; resolves once it is connected (or refused). */
function openIdle(port: number): Promise<Idle> {
  return new Promise((resolve) => {
    const idle: Idle = { socket: connect(port, '127.0.0.1'), closed: false, received: '' };
    idle.socket.on('data', (c: Buffer) => (idle.received += c.toString('latin1')));
    idle.socket.on('error', () => undefined);
    idle.socket.on('close', () => {
      idle.closed = true;
      resolve(idle);
    });
    idle.socket.on('connect', () => resolve(idle));
  });
}

const until = async (check: () => boolean, ms: number): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
};

describe('idle connection flood', function () {
  this.timeout(20_000);
  let h: Harness;
  const opened: Idle[] = [];
  before(
    async () => (h = await startHarness({ connectionLimits: { maxConnections: CAP, idleTimeoutMs: IDLE_MS }, provider: { streamEvents: 3, eventGapMs: 600 } })),
  );
  afterEach(() => {
    for (const idle of opened.splice(0)) idle.socket.destroy();
  });
  after(async () => h.close());

  it('caps connections by evicting the oldest idle ones, and a healthy client is still served', async () => {
    for (let batch = 0; batch < 6; batch++) opened.push(...(await Promise.all(Array.from({ length: 50 }, () => openIdle(h.bridge.port)))));
    await until(() => opened.filter((i) => !i.closed).length <= CAP, 2_000);
    const open = opened.filter((i) => !i.closed);
    assert.ok(open.length <= CAP, `${open.length} of 300 idle connections still open, over the cap of ${CAP}`);
    assert.ok(
      opened.slice(-10).every((i) => !i.closed),
      'the newest connections were kept, the oldest evicted',
    );
    const started = Date.now();
    const res = await post(`${h.openaiBase}/chat/completions`, chatBody());
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started < 2_000, `a healthy request took ${Date.now() - started} ms`);
  });

  it('closes connections that stay idle past the idle timeout', async () => {
    opened.push(...(await Promise.all(Array.from({ length: 20 }, () => openIdle(h.bridge.port)))));
    const started = Date.now();
    await until(() => opened.every((i) => i.closed), IDLE_MS + 3_000);
    assert.ok(
      opened.every((i) => i.closed),
      `${opened.filter((i) => !i.closed).length} of 20 idle connections still open after ${Date.now() - started} ms`,
    );
    assert.ok(Date.now() - started >= IDLE_MS - 200, 'not closed before the idle timeout');
  });

  it('refuses a new connection with 503 and Retry-After only when every connection is busy', async () => {
    // CAP streams held open by a slow provider (three events 600 ms apart) fill every slot with a request in flight.
    const streams = Array.from({ length: CAP }, () => post(`${h.openaiBase}/chat/completions`, chatBody({ stream: true })));
    await until(() => h.provider.ledger.filter((e) => e.endpoint === 'chat' && e.eventsSent > 0).length >= CAP, 5_000);
    const extra = await openIdle(h.bridge.port);
    opened.push(extra);
    await until(() => extra.closed, 2_000);
    assert.equal(extra.closed, true, 'the extra connection was refused');
    assert.equal(parseRawAnswer(extra.received).status, 503, extra.received.slice(0, 200));
    assert.match(extra.received, /retry-after: 1/i);
    for (const res of await Promise.all(streams)) assert.equal(res.status, 200, 'the busy connections were left alone');
  });
});
