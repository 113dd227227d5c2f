// Valibot's own messages repeat the value they refused ('… but received "sk-…"'); a key pasted into the
// wrong field must never come back in an error. Every check of the configuration therefore carries a
// message of ours: these tests put a key-like string in each field of the config file and of the settings
// and hold that the error names the field and not the value.
import assert from 'node:assert/strict';
import { ConfigError, parseWith, validateBridgeConfig } from '../../src/core/config';
import { configFileSchema } from '../../src/cli/fileSchema';
import { parseSettings } from '../../src/vscode/settings/bridgeConfig';

const KEY = 'sk-proj-' + 'Zq9xPasted0KeyMaterial';

const pool = () => ({ id: 'oa', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', keys: [{ id: 'work', env: 'OA_KEY' }] as Record<string, unknown>[] });
const route = () => ({ protocol: 'openai', match: '*', targets: [{ pool: 'oa' }] as Record<string, unknown>[] });

/** Where the key goes, and the field the error must name. */
const placements: [string, (config: Record<string, unknown> & { pools: ReturnType<typeof pool>[]; routes: ReturnType<typeof route>[] }) => void][] = [
  ['port', (c) => (c.port = KEY)],
  ['tokenEnv', (c) => (c.tokenEnv = 5)],
  ['pools[0]', (c) => ((c.pools as unknown[])[0] = KEY)],
  ['pools[0].id', (c) => (c.pools[0].id = KEY + ' !')],
  ['pools[0].protocol', (c) => (c.pools[0].protocol = KEY)],
  ['pools[0].baseUrl', (c) => (c.pools[0].baseUrl = KEY)],
  ['pools[0].strategy', (c) => Object.assign(c.pools[0], { strategy: KEY })],
  ['pools[0].headers', (c) => Object.assign(c.pools[0], { headers: KEY })],
  ['pools[0].headers.x-key', (c) => Object.assign(c.pools[0], { headers: { 'x-key': [KEY] } })],
  ['pools[0].testPath', (c) => Object.assign(c.pools[0], { testPath: KEY })],
  ['pools[0].sharedLimits', (c) => Object.assign(c.pools[0], { sharedLimits: KEY })],
  ['pools[0].prefill', (c) => Object.assign(c.pools[0], { prefill: KEY })],
  ['pools[0].deadlines', (c) => Object.assign(c.pools[0], { deadlines: KEY })],
  ['pools[0].deadlines.idleTimeoutMs', (c) => Object.assign(c.pools[0], { deadlines: { idleTimeoutMs: KEY } })],
  ['pools[0].keys', (c) => Object.assign(c.pools[0], { keys: KEY })],
  ['pools[0].keys[0]', (c) => (c.pools[0].keys[0] = KEY as never)],
  ['pools[0].keys[0].env', (c) => (c.pools[0].keys[0].env = KEY + '-')],
  ['pools[0].keys[0].weight', (c) => (c.pools[0].keys[0].weight = KEY)],
  ['pools[0].keys[0].label', (c) => (c.pools[0].keys[0].label = [KEY])],
  ['routes[0]', (c) => ((c.routes as unknown[])[0] = KEY)],
  ['routes[0].protocol', (c) => (c.routes[0].protocol = KEY)],
  ['routes[0].match', (c) => (c.routes[0].match = [KEY] as never)],
  ['routes[0].targets', (c) => (c.routes[0].targets = KEY as never)],
  ['routes[0].targets[0]', (c) => (c.routes[0].targets[0] = KEY as never)],
  ['routes[0].targets[0].model', (c) => (c.routes[0].targets[0].model = [KEY])],
  ['routes[0].continueOnCut', (c) => Object.assign(c.routes[0], { continueOnCut: KEY })],
  ['defaults', (c) => (c.defaults = KEY)],
  ['defaults.openai', (c) => (c.defaults = { openai: [KEY] })],
  ['tuning', (c) => (c.tuning = KEY)],
  ['tuning.maxAttempts', (c) => (c.tuning = { maxAttempts: KEY })],
  ['tuning.breakerFailureRate', (c) => (c.tuning = { breakerFailureRate: KEY })],
];

describe('configuration errors never repeat the value', () => {
  it('names the field, not the value, in every error of the config file', () => {
    for (const [field, place] of placements) {
      const config = { pools: [pool()], routes: [route()] };
      place(config);
      const error = (() => {
        try {
          parseWith(configFileSchema, config);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(error instanceof ConfigError, `a key in ${field} is refused`);
      assert.equal(error.field, field);
      assert.ok(!error.message.includes('Zq9x'), `${field}: ${error.message}`);
    }
  });

  it('names the field, not the value, in every problem of the settings', () => {
    let checked = 0;
    for (const [field, place] of placements) {
      if (/^(port|tokenEnv)$|keys|testPath/.test(field)) continue; // not settings, or not in a pool setting
      const config = { pools: [pool()], routes: [route()] };
      place(config);
      const values: Record<string, unknown> = { ...config, pools: config.pools.map((p) => (typeof p === 'object' ? { ...p, keys: undefined } : p)) };
      const { problems } = parseSettings((name) => values[name]);
      assert.ok(
        problems.some((p) => p.startsWith(`keybridge.${field}`)),
        `${field}: ${problems.join(' | ')}`,
      );
      for (const problem of problems) assert.ok(!problem.includes('Zq9x'), problem);
      checked++;
    }
    assert.ok(checked >= 20, `${checked} placements checked`);
  });

  it('names the field, not the value, when the config the core is given is malformed', () => {
    const base = { id: 'oa', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', strategy: 'fill-first' };
    const bad: unknown[] = [
      { pools: [{ ...base, keys: KEY }], routes: [] },
      { pools: [{ ...base, keys: [KEY] }], routes: [] },
      { pools: KEY, routes: [] },
      { pools: [], routes: KEY },
    ];
    for (const config of bad) {
      assert.throws(
        () => validateBridgeConfig(config as never),
        (error: Error) => error instanceof ConfigError && !error.message.includes('Zq9x'),
      );
    }
  });
});

describe('configuration ranges', () => {
  it('refuses a knob or a deadline of Infinity (JSON 1e999), which Node would run as a 1 ms timer', () => {
    const config = JSON.parse(
      '{"pools":[{"id":"oa","protocol":"openai","baseUrl":"https://x.example/v1","keys":[{"id":"k","env":"K"}]}],"tuning":{"idleTimeoutMs":1e999}}',
    ) as unknown;
    assert.throws(
      () => parseWith(configFileSchema, config),
      (error: Error) => error instanceof ConfigError && error.field === 'tuning.idleTimeoutMs',
    );
    const pools = JSON.parse(
      '[{"id":"oa","protocol":"openai","baseUrl":"https://x.example/v1","keys":[{"id":"k","env":"K"}],"deadlines":{"firstEventTimeoutMs":1e999}}]',
    ) as unknown;
    assert.throws(
      () => parseWith(configFileSchema, { pools }),
      (error: Error) => error instanceof ConfigError && error.field === 'pools[0].deadlines.firstEventTimeoutMs',
    );
  });
});
