// Guards persisted key health: a restart (or another window taking over) must not hammer keys already known
// to be bad, and the persisted file holds fingerprints and states, never a secret.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FileStateStore, type PersistedState } from '../../src/core/state';
import { chatBody, keysSeen, post, startHarness } from '../helpers/harness';
import { must } from '../helpers/must';

describe('persisted key state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keybridge-state-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('carries invalid, exhausted, cooling and retired keys across a restart, without secrets', async () => {
    const path = join(dir, 'state.json');
    const first = await startHarness({ keys: { oa: ['oa-key-1', 'oa-key-2', 'oa-key-3', 'oa-key-4'] }, stateStore: new FileStateStore(path) });
    first.provider.fault('oa-key-1', { kind: 'invalidKey' });
    first.provider.fault('oa-key-2', { kind: 'quota' });
    first.provider.fault('oa-key-3', { kind: 'rateLimit', headers: { 'retry-after': '120' } });
    assert.equal((await post(`${first.openaiBase}/chat/completions`, chatBody())).status, 200);
    first.bridge.retireKey('an', 'k3');
    await first.close();

    const saved = readFileSync(path, 'utf8');
    for (const secret of ['oa-key-1', 'oa-key-2', 'oa-key-3', 'an-key-3']) assert.ok(!saved.includes(secret), `${secret} must not be persisted`);
    const savedKeys = Object.values((JSON.parse(saved) as PersistedState).keys);
    assert.deepEqual(savedKeys.map((k) => k?.state).sort(), ['exhausted', 'invalid', 'ready', 'retired']);
    const coolingSaved = must(
      savedKeys.find((k) => k?.state === 'ready'),
      'the saved ready key',
    );
    assert.equal(coolingSaved.cooling?.[0]?.scope, 'gpt-test', 'the cooldown is kept for its model');

    const second = await startHarness({ keys: { oa: ['oa-key-1', 'oa-key-2', 'oa-key-3', 'oa-key-4'] }, stateStore: new FileStateStore(path) });
    try {
      assert.equal((await post(`${second.openaiBase}/chat/completions`, chatBody())).status, 200);
      assert.deepEqual(keysSeen(second.provider), ['oa-key-4'], 'known-bad keys are not tried again after a restart');
      assert.deepEqual(
        second.bridge.status().pools[0].keys.map((k) => k.state),
        ['invalid', 'exhausted', 'ready', 'ready'],
      );
      assert.equal(second.bridge.status().pools[0].keys[2].cooling?.[0].scope, 'gpt-test');
      assert.equal(second.bridge.status().pools[1].keys[2].state, 'retired');
    } finally {
      await second.close();
    }
  });

  it('writes what the grace period taught before stop() returns, so the window that takes the port next reads it', async () => {
    const path = join(dir, 'grace.json');
    // A provider that answers 429 only after the bridge has begun to stop.
    const slow = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '120' });
        res.end(JSON.stringify({ error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached' } }));
      }, 300);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const { port } = slow.address() as AddressInfo;
    const harness = await startHarness({
      pools: () => [
        { id: 'oa', protocol: 'openai', baseUrl: `http://127.0.0.1:${port}/v1`, strategy: 'fill-first', keys: [{ id: 'k1', secret: 'oa-key-slow' }] },
      ],
      stateStore: new FileStateStore(path),
    });
    try {
      const answer = post(`${harness.openaiBase}/chat/completions`, chatBody());
      await delay(100);
      await harness.bridge.stop(5_000);
      assert.equal((await answer).status, 429);
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { keys: Record<string, { cooling?: { scope: string }[] }> };
      assert.deepEqual(
        Object.values(saved.keys).map((k) => k.cooling?.[0]?.scope),
        ['gpt-test'],
        'the 429 that came during the grace period is on file',
      );
    } finally {
      await harness.close();
      slow.close();
    }
  });
});
