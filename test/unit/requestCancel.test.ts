// Guards RequestCancel, the request path's light stand-in for AbortController: scripted listener work gives the same
// calls in the same order as an AbortSignal, and undici (the one outside reader) aborts a real request by it.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { RequestCancel, type CancelSignal } from '../../src/core/cancel';

type Step = ['add', number] | ['remove', number] | ['abort', string];

const SCRIPTS: Step[][] = [
  [
    ['add', 1],
    ['add', 2],
    ['abort', 'gone'],
  ],
  [
    ['add', 1],
    ['add', 1],
    ['abort', 'twice added, once run'],
  ],
  [
    ['add', 1],
    ['add', 2],
    ['remove', 1],
    ['abort', 'one removed'],
  ],
  [
    ['remove', 3],
    ['add', 3],
    ['abort', 'removed before added'],
  ],
  [
    ['add', 1],
    ['abort', 'first'],
    ['add', 2],
    ['abort', 'second abort changes nothing'],
  ],
  [
    ['abort', 'nobody listens'],
    ['add', 1],
    ['remove', 1],
  ],
  [
    ['add', 2],
    ['add', 1],
    ['remove', 2],
    ['add', 2],
    ['abort', 'order of adding'],
  ],
];

/** Runs a script on a signal and its abort function; returns the calls, with what `aborted` and `reason` read. */
function run(script: Step[], signal: CancelSignal, abort: (reason: Error) => void): string[] {
  const calls: string[] = [];
  const listeners = new Map<number, () => void>();
  const listener = (n: number): (() => void) => {
    let made = listeners.get(n);
    if (!made) {
      made = () => calls.push(`listener ${n} (aborted ${signal.aborted}, ${(signal.reason as Error).message})`);
      listeners.set(n, made);
    }
    return made;
  };
  for (const [op, arg] of script) {
    if (op === 'add') signal.addEventListener('abort', listener(arg), { once: true });
    else if (op === 'remove') signal.removeEventListener('abort', listener(arg));
    else abort(new Error(arg));
    calls.push(`after ${op} ${arg}: aborted ${signal.aborted}, ${signal.reason === undefined ? 'no reason' : (signal.reason as Error).message}`);
  }
  return calls;
}

describe('RequestCancel', () => {
  it('calls the same listeners in the same order as an AbortSignal, whatever is added, removed and aborted', () => {
    for (const script of SCRIPTS) {
      const controller = new AbortController();
      const expected = run(script, controller.signal, (reason) => controller.abort(reason));
      const cancel = new RequestCancel();
      assert.deepEqual(
        run(script, cancel, (reason) => cancel.abort(reason)),
        expected,
        JSON.stringify(script),
      );
    }
  });

  it('aborts a real undici request before its answer and the answer body after it', async () => {
    const server: Server = createServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const agent = new Agent();
    try {
      const before = new RequestCancel();
      const pending = agent.request({ origin, path: '/slow', method: 'GET', signal: before });
      setTimeout(() => before.abort(new Error('client went away')), 50);
      await assert.rejects(pending, /client went away/);

      const after = new RequestCancel();
      const answer = await agent.request({ origin, path: '/body', method: 'GET', signal: after });
      const closed = new Promise<Error | undefined>((resolve) => answer.body.on('error', resolve).on('close', () => resolve(undefined)));
      after.abort(new Error('client went away'));
      const error = await closed;
      assert.ok(answer.body.destroyed, 'the answer body is destroyed');
      assert.match(String(error?.message), /client went away/);
    } finally {
      await agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
