// Guards what the status says about routes, which the tree and every follower window show: configured routes
// in the router's order, each target marked translated exactly when the proxy converts requests for it (the
// pool speaks the other protocol, or an OpenAI route's pool has no Responses API), each protocol's default
// route only where no catch-all route hides it, and a new configuration reflected at once. Never a secret.
import assert from 'node:assert/strict';
import type { BridgeConfig, PoolSpec } from '../../src/core/config';
import { Engine } from '../../src/core/engine/engine';
import { routeStatus, servedProtocols } from '../../src/core/engine/routeStatus';
import type { Logger } from '../../src/core/logger';
import { ManualClock } from '../helpers/manualClock';

const SECRET = 'sk-' + 'ant-api03-route-status-secret-0000';

function pool(id: string, protocol: PoolSpec['protocol'], extra: Partial<PoolSpec> = {}): PoolSpec {
  return { id, protocol, baseUrl: `https://${id}.example.com`, strategy: 'fill-first', keys: [{ id: 'k1', secret: SECRET }], ...extra };
}

const POOLS = [pool('an', 'anthropic'), pool('oa', 'openai'), pool('ds', 'openai', { responses: false })];

describe('routeStatus', () => {
  it('lists configured routes in order with every target and whether it is translated', () => {
    const routes = routeStatus({
      pools: POOLS,
      routes: [
        { protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'oa', model: 'gpt-4.1' }, { pool: 'ds', model: 'deepseek-chat' }] },
        { protocol: 'openai', match: '*', targets: [{ pool: 'oa' }, { pool: 'ds', model: 'deepseek-chat' }, { pool: 'an', model: 'claude-sonnet-4-5' }] },
      ],
    });
    assert.deepEqual(routes, [
      {
        protocol: 'anthropic',
        match: 'claude-*',
        targets: [
          { pool: 'an', poolProtocol: 'anthropic', translated: false },
          { pool: 'oa', model: 'gpt-4.1', poolProtocol: 'openai', translated: true },
          { pool: 'ds', model: 'deepseek-chat', poolProtocol: 'openai', translated: true },
        ],
      },
      {
        protocol: 'openai',
        match: '*',
        targets: [
          { pool: 'oa', poolProtocol: 'openai', translated: false },
          { pool: 'ds', model: 'deepseek-chat', poolProtocol: 'openai', translated: true }, // Responses → Chat
          { pool: 'an', model: 'claude-sonnet-4-5', poolProtocol: 'anthropic', translated: true },
        ],
      },
      // anthropic has no catch-all route: its default route comes last; openai's '*' route hides its default.
      { protocol: 'anthropic', match: '*', implicit: true, targets: [{ pool: 'an', poolProtocol: 'anthropic', translated: false }] },
    ]);
  });

  it('shows each protocol’s default route, the `defaults` pool before the first one', () => {
    const routes = routeStatus({ pools: [...POOLS, pool('an2', 'anthropic')], routes: [], defaults: { anthropic: 'an2' } });
    assert.deepEqual(
      routes.map((r) => [r.protocol, r.match, r.implicit, r.targets.map((t) => t.pool)]),
      [
        ['openai', '*', true, ['oa']],
        ['anthropic', '*', true, ['an2']],
      ],
    );
    assert.deepEqual(routeStatus({ pools: [], routes: [] }), [], 'no pool, no route');
  });

  it('reaches the engine’s status, free of secrets, and follows a new configuration', async () => {
    const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const config: BridgeConfig = {
      pools: POOLS,
      routes: [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'oa', model: 'gpt-4.1' }] }],
    };
    const engine = new Engine({ config, clock: new ManualClock(), logger: silent });
    const before = engine.status({ running: true });
    assert.deepEqual(
      before.routes?.map((r) => `${r.protocol} ${r.match}: ${r.targets.map((t) => `${t.pool}${t.translated ? '*' : ''}`).join(', ')}`),
      ['anthropic claude-*: an, oa*', 'openai *: oa', 'anthropic *: an'],
    );
    assert.ok(!JSON.stringify(before.routes).includes(SECRET));
    engine.apply({ ...config, routes: [] });
    assert.equal(
      engine.status({ running: true }).routes?.some((r) => !r.implicit),
      false,
    );
    await engine.close();
  });

  it('says which protocols a client can be served in: a route to a pool with a key not retired, translated or not', async () => {
    const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const served = async (config: BridgeConfig, retire?: [string, string], withRoutes = true) => {
      const engine = new Engine({ config, clock: new ManualClock(), logger: silent });
      if (retire) engine.retireKey(...retire);
      const status = engine.status({ running: true });
      await engine.close();
      return [...servedProtocols(withRoutes ? status : { pools: status.pools })].sort();
    };
    assert.deepEqual(await served({ pools: [], routes: [] }), [], 'no pool: nothing');
    assert.deepEqual(await served({ pools: [pool('oa', 'openai', { keys: [] })], routes: [] }), [], 'a pool without a key serves nothing');
    assert.deepEqual(await served({ pools: [pool('oa', 'openai')], routes: [] }), ['openai']);
    assert.deepEqual(await served({ pools: [pool('oa', 'openai')], routes: [] }, ['oa', 'k1']), [], 'its only key retired');
    assert.deepEqual(await served({ pools: POOLS, routes: [] }), ['anthropic', 'openai']);
    const translated: BridgeConfig = { pools: [pool('an', 'anthropic')], routes: [{ protocol: 'openai', match: 'gpt-*', targets: [{ pool: 'an' }] }] };
    assert.deepEqual(await served(translated), ['anthropic', 'openai'], 'by translation');
    assert.deepEqual(await served(translated, undefined, false), ['anthropic'], 'an owner too old to list routes in its status: read by its pools');
  });
});
