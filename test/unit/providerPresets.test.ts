// Provider presets live in the core (src/core/providers/presets.ts): the headless config names one with
// `"preset"`, the VS Code settings through a pool's `provider`, and either way the pool carries the preset's
// dialect, resolved once, so translation never guesses a provider from its base URL (docs/ARCHITECTURE.md §7).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServeConfig } from '../../src/cli/configFile';
import { ConfigError, type PoolSpec } from '../../src/core/config';
import { KeyPool } from '../../src/core/keys/keyPool';
import { dialectTraits, type ReasoningReturn } from '../../src/core/providers/dialect';
import { presetById, PROVIDER_PRESETS } from '../../src/core/providers/presets';
import { buildBridgeConfig, parseSettings } from '../../src/vscode/settings/bridgeConfig';

const ENV = { DEEPSEEK_KEY: 'sk-test-key-deepseek-1', MISTRAL_KEY: 'sk-test-key-mistral-1', PLAIN_KEY: 'sk-test-key-plain-1' };

describe('provider presets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kb-presets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (pools: unknown[]): PoolSpec[] => {
    const file = join(dir, 'keybridge.json');
    writeFileSync(file, JSON.stringify({ pools }));
    return loadServeConfig(file, ENV).bridge.pools;
  };

  it('fills a headless pool from its preset: protocol, base URL, Chat-only, dialect', () => {
    const [pool] = load([{ id: 'ds', preset: 'deepseek', keys: [{ env: 'DEEPSEEK_KEY' }] }]);
    assert.equal(pool.protocol, 'openai');
    assert.equal(pool.baseUrl, 'https://api.deepseek.com/v1');
    assert.equal(pool.responses, false);
    assert.equal(pool.dialect, 'deepseek');
    assert.equal(pool.keys[0].secret, ENV.DEEPSEEK_KEY);
  });

  it("keeps a pool's own values over its preset's", () => {
    const [pool] = load([{ id: 'm', preset: 'mistral', baseUrl: 'https://eu.mistral.example/v1', prefill: 'none', keys: [{ env: 'MISTRAL_KEY' }] }]);
    assert.equal(pool.baseUrl, 'https://eu.mistral.example/v1');
    assert.equal(pool.prefill, 'none', 'the preset says prefix; the pool says none');
    assert.equal(pool.dialect, 'mistral');
    assert.equal(pool.responses, false);
  });

  it('refuses an unknown preset, and a pool with neither preset nor protocol, naming the field', () => {
    assert.throws(
      () => load([{ id: 'x', preset: 'nosuch', keys: [{ env: 'PLAIN_KEY' }] }]),
      (e: unknown) => e instanceof ConfigError && e.field === 'pools[0].preset' && /must be one of .*deepseek/.test(e.message),
    );
    assert.throws(
      () => load([{ id: 'x', baseUrl: 'https://api.example.com/v1', keys: [{ env: 'PLAIN_KEY' }] }]),
      (e: unknown) => e instanceof ConfigError && e.field === 'pools[0].protocol' && /preset/.test(e.message),
    );
    assert.throws(
      () => load([{ id: 'x', preset: 'openai', dialect: 'nosuch', keys: [{ env: 'PLAIN_KEY' }] }]),
      (e: unknown) => e instanceof ConfigError && e.field === 'pools[0].dialect',
    );
  });

  it('resolves the running pool’s dialect once: declared, else the preset’s, else the base URL’s host, else generic', () => {
    const pools = load([
      { id: 'declared', protocol: 'openai', baseUrl: 'https://api.deepseek.com/v1', dialect: 'gemini', keys: [{ env: 'PLAIN_KEY' }] },
      { id: 'preset', preset: 'openrouter', keys: [{ env: 'PLAIN_KEY' }] },
      { id: 'host', protocol: 'openai', baseUrl: 'https://api.moonshot.ai/v1', keys: [{ env: 'PLAIN_KEY' }] },
      { id: 'other', protocol: 'openai', baseUrl: 'http://127.0.0.1:9/v1', keys: [{ env: 'PLAIN_KEY' }] },
    ]);
    const running = pools.map((spec) => new KeyPool(spec, () => undefined));
    assert.deepEqual(
      running.map((p) => [p.id, p.dialect]),
      [
        ['declared', 'gemini'],
        ['preset', 'openrouter'],
        ['host', 'moonshot'],
        ['other', 'generic'],
      ],
    );
    running[0].update({ ...pools[0], dialect: 'xai' });
    assert.equal(running[0].dialect, 'xai', 'a new configuration resolves it again');
  });

  it('gives a VS Code pool its preset’s dialect through its provider, unless the setting names one', () => {
    const pools = [
      { id: 'gem', provider: 'gemini', protocol: 'openai', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai' },
      { id: 'mine', provider: 'deepseek', protocol: 'openai', baseUrl: 'https://proxy.example/v1', dialect: 'generic' },
    ];
    const { settings } = parseSettings((name) => (name === 'pools' ? pools : undefined));
    const { config } = buildBridgeConfig(settings, []);
    assert.deepEqual(
      config.pools.map((p) => [p.id, p.dialect]),
      [
        ['gem', 'gemini'],
        ['mine', 'generic'],
      ],
    );
  });

  it('names a dialect for every OpenAI-compatible preset, with the reasoning its provider wants back', () => {
    for (const preset of PROVIDER_PRESETS) {
      if (preset.protocol === 'openai') assert.ok(preset.dialect, `${preset.id} names its dialect`);
      // A native Gemini pool is Gemini's: its thought signatures are carried as the OpenAI-compatible endpoint's are.
      else if (preset.protocol === 'gemini') assert.equal(preset.dialect, 'gemini', preset.id);
      else assert.equal(preset.dialect, undefined, `${preset.id}: Anthropic has no dialects`);
    }
    const wants = (id: string): ReasoningReturn => dialectTraits(presetById(id)?.dialect).reasoningReturn;
    assert.equal(wants('deepseek'), 'reasoning_content');
    assert.equal(wants('gemini'), 'thought_signature');
    assert.equal(wants('groq'), 'none');
  });
});
