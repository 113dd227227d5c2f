// Guards which bridge events interrupt the user (issue 21, item 6): keys that need the user, and cross-protocol
// fallbacks when asked for, each at most once per pool and quiet period, with keys masked.
import assert from 'node:assert/strict';
import { NOTICE_QUIET_MS, NoticePolicy, type NoticeLevel } from '../../src/core/notices/noticePolicy';
import type { KeyChangeEvent, RequestSummary } from '../../src/core/status';

const change = (over: Partial<KeyChangeEvent>): KeyChangeEvent => ({
  pool: 'work',
  key: 'k1',
  label: 'first',
  masked: 'sk-…abcd',
  previous: 'ready',
  state: 'invalid',
  ...over,
});
const request = (over: Partial<RequestSummary>): RequestSummary => ({
  id: 1,
  method: 'POST',
  path: '/anthropic/v1/messages',
  protocol: 'anthropic',
  model: 'claude-x',
  stream: true,
  status: 200,
  outcome: 'ok',
  pool: 'deepseek',
  attempts: 2,
  failovers: 1,
  ms: 900,
  ...over,
});
const protocols: Record<string, 'openai' | 'anthropic'> = { deepseek: 'openai', claude: 'anthropic' };
const poolProtocol = (pool: string): 'openai' | 'anthropic' | undefined => protocols[pool];

function policy(level: NoticeLevel): { notices: NoticePolicy; advance: (ms: number) => void } {
  let now = 1_000_000;
  return {
    notices: new NoticePolicy(
      () => level,
      () => now,
      NOTICE_QUIET_MS,
    ),
    advance: (ms) => (now += ms),
  };
}

describe('notices: which bridge events interrupt the user', () => {
  it('says when a key is refused or out of quota, naming it masked and saying what happens next', () => {
    const { notices } = policy('keys');
    const refused = notices.onKeyChange(change({ reason: 'HTTP 401 invalid_api_key' }));
    assert.deepEqual(refused, {
      kind: 'key-invalid',
      pool: 'work',
      message: "Key work/first (sk-…abcd) was refused by the provider: HTTP 401 invalid_api_key. Requests go to the pool's other keys.",
    });
    const spent = notices.onKeyChange(change({ key: 'k2', label: 'second', masked: 'sk-…wxyz', state: 'exhausted' }));
    assert.equal(spent?.kind, 'key-exhausted');
    assert.match(spent.message, /^Key work\/second \(sk-…wxyz\) is out of quota\. /);
  });

  it('keeps quiet about cooling, retiring, recovering and unchanged states', () => {
    const { notices } = policy('all');
    for (const [previous, state] of [
      ['ready', 'cooling'],
      ['ready', 'retired'],
      ['invalid', 'ready'],
      ['cooling', 'ready'],
      ['invalid', 'invalid'],
    ] as const) {
      assert.equal(notices.onKeyChange(change({ previous, state })), undefined, `${previous} → ${state}`);
    }
  });

  it('shows one notice per kind and pool in the quiet period, then again after it', () => {
    const { notices, advance } = policy('keys');
    assert.ok(notices.onKeyChange(change({ key: 'a' })));
    assert.equal(notices.onKeyChange(change({ key: 'b' })), undefined, 'a second refused key of the same pool waits');
    assert.ok(notices.onKeyChange(change({ key: 'b', state: 'exhausted' })), 'another kind is news');
    assert.ok(notices.onKeyChange(change({ pool: 'other', key: 'c' })), 'another pool is news');
    advance(NOTICE_QUIET_MS - 1);
    assert.equal(notices.onKeyChange(change({ key: 'c' })), undefined);
    advance(1);
    assert.ok(notices.onKeyChange(change({ key: 'c' })), 'the quiet period is over');
  });

  it('says nothing at all when off', () => {
    const { notices } = policy('off');
    assert.equal(notices.onKeyChange(change({})), undefined);
    assert.equal(notices.onRequest(request({}), poolProtocol), undefined);
  });

  it('reports a fallback to another protocol only at "all", and only for a served request that failed over', () => {
    assert.equal(policy('keys').notices.onRequest(request({}), poolProtocol), undefined, '"keys" leaves fallbacks to the tree');
    const { notices } = policy('all');
    assert.equal(notices.onRequest(request({ failovers: 0 }), poolProtocol), undefined, 'no failover');
    assert.equal(notices.onRequest(request({ outcome: 'error', status: 429 }), poolProtocol), undefined, 'not served');
    assert.equal(notices.onRequest(request({ pool: 'claude' }), poolProtocol), undefined, 'same protocol');
    assert.equal(notices.onRequest(request({ pool: 'gone' }), poolProtocol), undefined, 'a pool no longer configured');
    const fallback = notices.onRequest(request({}), poolProtocol);
    assert.deepEqual(fallback, {
      kind: 'cross-protocol',
      pool: 'deepseek',
      message: "A request for claude-x fell back to pool deepseek, translated to another protocol: the route's first targets could not serve it.",
    });
    assert.equal(notices.onRequest(request({ id: 2 }), poolProtocol), undefined, 'once per quiet period');
  });
});
