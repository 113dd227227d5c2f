// Guards the pure pieces behind the UI: countdown and reason text, secret masking in provider errors,
// the status bar's look per state, settings parsing (one broken pool must not take the others down),
// key-paste checks, and the agent setup lines the README and the CLI share.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import './vscodeHook';
import assert from 'node:assert/strict';
import { agentEnvironment, agentSetup, AGENT_IDS } from '../../src/core/agentSetup';
import type { BridgeStatus, KeyStatus } from '../../src/core/status';
import { buildBridgeConfig, parseSettings } from '../../src/vscode/settings/bridgeConfig';
import { DEFAULT_PORT } from '../../src/vscode/settings/settingsSchema';
import {
  anyCooling,
  effectiveState,
  formatCountdown,
  formatTimeOfDay,
  keyDescription,
  keyLookState,
  keyTooltipMarkdown,
  poolDescription,
  poolTooltipMarkdown,
  sanitizeText,
  shortReason,
} from '../../src/core/presentation/keyPresentation';
import type { StoredKey } from '../../src/vscode/keys/storedKey';
import { checkKeyShapes, presetById, PROVIDER_PRESETS, splitPastedKeys } from '../../src/vscode/settings/providerPresets';
import { statusBarLook } from '../../src/vscode/host/statusBar';

const NOW = 1_800_000_000_000;
const stats = { requests: 0, successes: 0, failures: {}, inputTokens: 0, outputTokens: 0 };
const k = (state: KeyStatus['state'], extra: Partial<KeyStatus> = {}): KeyStatus => ({
  id: 'k',
  label: 'k',
  masked: 'sk-…abcd',
  fingerprint: 'f',
  state,
  stats,
  ...extra,
});

describe('key presentation', () => {
  it('formats countdowns rounded up, minutes and hours', () => {
    assert.equal(formatCountdown(42_000), '0:42');
    assert.equal(formatCountdown(41_001), '0:42');
    assert.equal(formatCountdown(1), '0:01');
    assert.equal(formatCountdown(0), '0:00');
    assert.equal(formatCountdown(-5_000), '0:00');
    assert.equal(formatCountdown(725_000), '12:05');
    assert.equal(formatCountdown(3_723_000), '1:02:03');
  });

  it("gives a time of day in the machine's time, rounded up to the minute, with the date on another day", () => {
    const day = (d: number, h: number, m: number, s = 0) => new Date(2026, 11, d, h, m, s).getTime();
    assert.equal(formatTimeOfDay(day(8, 14, 35, 20), day(8, 14, 31)), '14:36', 'never earlier than the key is back');
    assert.equal(formatTimeOfDay(day(8, 14, 35), day(8, 14, 31)), '14:35');
    assert.equal(formatTimeOfDay(day(8, 9, 5), day(8, 8, 0)), '09:05');
    assert.equal(formatTimeOfDay(day(8, 23, 59, 30), day(8, 23, 50)), 'Dec 9 00:00', 'rounded into the next day');
    assert.equal(formatTimeOfDay(day(12, 7, 0), day(8, 23, 50)), 'Dec 12 07:00');
  });

  it('reads a cooling key whose deadline passed as ready, as the core does lazily', () => {
    assert.equal(effectiveState(k('cooling', { until: NOW + 1 }), NOW), 'cooling');
    assert.equal(effectiveState(k('cooling', { until: NOW }), NOW), 'ready');
    assert.equal(keyDescription(k('cooling', { until: NOW - 10 }), NOW), 'sk-…abcd');
    assert.equal(keyDescription(k('cooling', { until: NOW + 61_000 }), NOW), 'cooling 1:01');
    assert.equal(keyDescription(k('ready', { label: 'work' }), NOW), 'sk-…abcd', 'a labelled key shows its masked form');
    assert.equal(keyDescription(k('ready', { label: 'sk-…abcd' }), NOW), 'ready', 'an unlabelled key is labelled with it already');
  });

  it('shows a cooldown for one model on a key that still reads usable, and counts it down', () => {
    const key = k('ready', {
      label: 'work',
      cooling: [
        { scope: 'gpt-5', until: NOW + 42_000 },
        { scope: 'o3', until: NOW + 90_000 },
      ],
    });
    assert.equal(effectiveState(key, NOW), 'ready', 'usable for other models');
    assert.equal(keyDescription(key, NOW), '0:42 · cooling gpt-5 +1', 'the countdown first: a narrow sidebar cuts the end');
    assert.equal(keyDescription(key, NOW + 42_000), '0:48 · cooling o3', 'an ended cooldown drops out of the row');
    assert.equal(keyDescription(key, NOW + 90_000), 'sk-…abcd');
    const tooltip = keyTooltipMarkdown({ label: 'OpenAI' }, key, NOW);
    assert.match(tooltip, /Cooling for gpt-5 only: 0:42/);
    assert.match(tooltip, /other models use this key/);
    const status = {
      running: true,
      now: NOW,
      totals: { requests: 0, succeeded: 0, failed: 0 },
      pools: [{ id: 'p', label: 'p', protocol: 'openai' as const, baseUrl: 'x', strategy: 'fill-first' as const, breaker: 'closed' as const, keys: [key] }],
    };
    assert.equal(anyCooling(status, NOW), true, 'the countdown ticks for scoped cooldowns too');
    assert.equal(anyCooling(status, NOW + 90_000), false);
  });

  it("names passed-over keys and each model's breaker", () => {
    const key = k('ready', { benchedUntil: NOW + 20_000 });
    assert.match(keyTooltipMarkdown({ label: 'OpenAI' }, key, NOW), /Passed over for 0:20: its connections kept failing/);
    const pool = {
      id: 'p',
      label: 'p',
      protocol: 'openai' as const,
      baseUrl: 'x',
      strategy: 'fill-first' as const,
      breaker: 'open' as const,
      breakers: [{ model: 'gpt-5', state: 'open' as const, requests: 12, failures: 9, reopensAt: NOW + 10_000 }],
      keys: [key],
    };
    assert.match(poolDescription(pool, NOW), /provider failing for gpt-5/);
    assert.match(poolTooltipMarkdown(pool, NOW), /Circuit breaker gpt-5: open \(75 % of 12 failed, probes in 0:10\)/);
  });

  it("shows each model's first-event deadline in force and where it comes from", () => {
    const pool = {
      id: 'p',
      label: 'p',
      protocol: 'openai' as const,
      baseUrl: 'x',
      strategy: 'fill-first' as const,
      breaker: 'closed' as const,
      firstEvents: [
        { model: 'gpt-5', samples: 32, p95Ms: 420, deadlineMs: 5_000, source: 'learned' as const },
        { model: 'o3', samples: 3, deadlineMs: 45_000, source: 'tuning' as const },
        { model: 'o4', samples: 8, p95Ms: 30_000, deadlineMs: 120_000, source: 'pool' as const },
      ],
      keys: [],
    };
    const tooltip = poolTooltipMarkdown(pool, NOW);
    assert.match(tooltip, /First event gpt-5: gives up after 5\.0 s when the route has a later target \(learned; p95 0\.4 s over 32 streams\)/);
    assert.match(tooltip, /First event o3: gives up after 45 s when the route has a later target \(firstEventTimeoutMs; 3 streams so far\)/);
    assert.match(tooltip, /First event o4: gives up after 120 s .*\(the pool's own; p95 30 s over 8 streams\)/);
    assert.doesNotMatch(poolTooltipMarkdown({ ...pool, firstEvents: undefined }, NOW), /First event/);
  });

  it('shortens reasons: the HTTP status, or a bounded sanitised text', () => {
    assert.equal(shortReason('HTTP 401 invalid_api_key'), '401');
    assert.equal(shortReason('HTTP 402'), '402');
    assert.equal(shortReason(undefined), 'unknown');
    assert.equal(shortReason('connection failed (ECONNRESET)'), 'connection failed (ECONNRESET)');
    assert.equal(shortReason('x'.repeat(100)).length, 40);
  });

  it('masks key-like strings and control characters in provider text', () => {
    assert.equal(sanitizeText('bad key sk-' + 'proj-abcdefghijklmnop1234 here'), 'bad key sk-…1234 here');
    assert.equal(sanitizeText('groq gsk_abcdefghijklmnopqrst9876'), 'groq gsk_…9876');
    assert.equal(sanitizeText('gemini AIza' + 'SyA1234567890abcdefghijklmnopqrs'), 'gemini AIza…pqrs');
    assert.equal(sanitizeText('token kb-AbCdEfGhIjKlMnOp_x1'), 'token kb-…p_x1');
    assert.equal(sanitizeText('line\r\nbreak\u0007bell'), 'line break bell');
    assert.equal(sanitizeText('sk-short'), 'sk-short', 'too short to be a key: left alone');
  });
});

describe('status bar look', () => {
  const status = (states: KeyStatus['state'][]): BridgeStatus => ({
    running: true,
    port: 17381,
    now: NOW,
    totals: { requests: 5, succeeded: 4, failed: 1 },
    pools: [
      {
        id: 'p',
        label: 'P',
        protocol: 'openai',
        baseUrl: 'https://x/v1',
        strategy: 'fill-first',
        breaker: 'closed',
        keys: states.map((s, i) => k(s, { id: `k${i}`, until: s === 'cooling' ? NOW + 5_000 : undefined })),
      },
    ],
  });

  it('shows port and ready keys of all live keys (retired keys do not count)', () => {
    const look = statusBarLook({ role: 'owner', detail: 'serving', port: 17381, status: status(['ready', 'cooling', 'invalid', 'retired']) }, NOW);
    assert.equal(look.text, '$(key) KeyBridge :17381 1/3');
    assert.equal(look.background, undefined);
    assert.match(look.tooltip, /1 cooling/);
    assert.match(look.tooltip, /OpenAI base URL: `http:\/\/127\.0\.0\.1:17381\/openai\/v1`/);
    assert.match(look.tooltip, /Anthropic base URL: `http:\/\/127\.0\.0\.1:17381\/anthropic`/);
    assert.match(look.tooltip, /Requests: 5 \(1 failed\)/);
  });

  it('warns when no key can take a request, in the owner and in a follower', () => {
    for (const role of ['owner', 'follower'] as const) {
      const look = statusBarLook({ role, detail: '', port: 17381, status: status(['cooling', 'invalid']) }, NOW);
      assert.equal(look.text, '$(warning) KeyBridge :17381 0/2');
      assert.equal(look.background, 'warning');
    }
    assert.match(statusBarLook({ role: 'follower', detail: '', port: 1, status: status(['ready']) }, NOW).tooltip, /another VS Code window/);
    assert.equal(statusBarLook({ role: 'owner', detail: '', port: 1, status: status([]) }, NOW).background, 'warning');
  });

  it('warns about a model in use with no usable key until its first key is back, and not about models no longer asked', () => {
    const key = k('ready', {
      cooling: [
        { scope: 'gpt-4.1-mini', until: NOW + 235_000 },
        { scope: 'o3', until: NOW + 60_000 },
      ],
    });
    const pool = {
      ...status(['ready']).pools[0],
      keys: [key, { ...key, id: 'k2' }],
      models: [{ model: 'gpt-4.1-mini', usable: 0, total: 2, firstBackAt: NOW + 235_000 }],
    };
    const view = { role: 'owner' as const, detail: '', port: 17381, status: { ...status([]), pools: [pool] } };
    const look = statusBarLook(view, NOW);
    assert.deepEqual([look.text, look.background], ['$(warning) KeyBridge :17381 gpt-4.1-mini 0/2', 'warning']);
    assert.match(look.tooltip, /gpt-4\.1-mini: 0 of 2 usable, first back in 3:55/);
    const back = new Date(Math.ceil((NOW + 235_000) / 60_000) * 60_000);
    const hhmm = `${String(back.getHours()).padStart(2, '0')}:${String(back.getMinutes()).padStart(2, '0')}`;
    assert.equal(poolDescription(pool, NOW), `gpt-4.1-mini 0/2 · back by ${hhmm} · openai · 2/2 ready`);
    assert.equal(poolDescription(pool, NOW + 1_000), poolDescription(pool, NOW), 'the row does not change from second to second');
    assert.equal(keyLookState(pool, key, NOW), 'cooling', 'cooling for the model in use: not a green tick');
    assert.equal(keyLookState({ models: [] }, key, NOW), 'ready', 'cooling only for models not asked lately: still green');
    assert.equal(keyLookState({}, key, NOW), 'ready', 'none asked lately (or an owner that predates the list): the key-wide state');
    const later = statusBarLook(view, NOW + 235_000);
    assert.deepEqual([later.text, later.background], ['$(key) KeyBridge :17381 2/2', undefined], 'the first key is back: the warning ends');
    assert.equal(poolDescription(pool, NOW + 235_000), 'openai · 2/2 ready');
    assert.match(poolTooltipMarkdown(pool, NOW + 235_000), /Model gpt-4\.1-mini: 1 of 2 usable/);
  });

  it('says stopped, starting or blocked', () => {
    assert.equal(statusBarLook({ role: 'stopped', detail: 'x', port: 1, status: undefined }, NOW).text, '$(debug-stop) KeyBridge stopped');
    assert.equal(statusBarLook({ role: 'idle', detail: 'x', port: 1, status: undefined }, NOW).text, '$(sync~spin) KeyBridge');
    const blocked = statusBarLook({ role: 'blocked', detail: 'port 1 is used by another program', port: 1, status: undefined }, NOW);
    assert.equal(blocked.background, 'error');
    assert.match(blocked.tooltip, /another program/);
  });
});

describe('settings → bridge config', () => {
  const read = (values: Record<string, unknown>) => (name: string) => values[name];
  const key = (pool: string, id: string, secret: string): StoredKey => ({ pool, id, secret, label: id, addedAt: 0, fingerprint: 'f', masked: 'm' });

  it('defaults the port and skips broken pools with a named problem', () => {
    const { settings, problems } = parseSettings(
      read({
        pools: [
          { id: 'ok', protocol: 'openai', baseUrl: 'https://api.openai.com/v1/' },
          { id: 'bad id!', protocol: 'openai', baseUrl: 'https://x' },
          { id: 'ok', protocol: 'openai', baseUrl: 'https://y' },
          { id: 'np', protocol: 'gopher', baseUrl: 'https://z' },
          { id: 'nu', protocol: 'anthropic', baseUrl: 'ftp://z' },
          'nonsense',
        ],
        tuning: { waitThresholdMs: 500, nope: 1, budgetMs: -1 },
      }),
    );
    assert.equal(settings.port, DEFAULT_PORT);
    assert.deepEqual(
      settings.pools.map((p) => [p.id, p.baseUrl, p.strategy]),
      [['ok', 'https://api.openai.com/v1', 'fill-first']],
    );
    assert.deepEqual(settings.tuning, { waitThresholdMs: 500 });
    assert.equal(problems.length, 7);
    assert.ok(problems.some((p) => p.startsWith('keybridge.pools[1].id')));
    assert.ok(problems.some((p) => p.startsWith('keybridge.pools[4].baseUrl')));
    assert.ok(problems.some((p) => p === 'keybridge.tuning.nope is not a known setting'));
    assert.ok(
      problems.some((p) => p === 'keybridge.tuning.budgetMs must be a number ≥ 1; using the default'),
      'a knob out of range is named and left at its default',
    );
    assert.equal(settings.terminalEnv, true);
    assert.equal(parseSettings(read({ port: 70000 })).settings.port, DEFAULT_PORT);
    assert.equal(parseSettings(read({ port: 18000, terminalEnv: false })).settings.terminalEnv, false);
  });

  it('skips a pool whose deadlines are broken, naming the field, and still builds the config', () => {
    const { settings, problems } = parseSettings(
      read({
        pools: [
          { id: 'slow', protocol: 'openai', baseUrl: 'https://x', deadlines: { firstEventTimeoutMs: 0 } },
          { id: 'ok', protocol: 'openai', baseUrl: 'https://y' },
        ],
      }),
    );
    assert.deepEqual(problems, ['keybridge.pools[0].deadlines.firstEventTimeoutMs must be a number of milliseconds ≥ 1']);
    assert.deepEqual(
      buildBridgeConfig(settings, []).config.pools.map((p) => p.id),
      ['ok'],
    );
  });

  it('names the field of a broken route or default, and keeps the rest', () => {
    const { settings, problems } = parseSettings(
      read({
        pools: [{ id: 'oa', protocol: 'openai', baseUrl: 'https://x' }],
        routes: [
          { protocol: 'openai', match: 'gpt-*', targets: [] },
          { protocol: 'gopher', match: '*', targets: [{ pool: 'oa' }] },
          { protocol: 'openai', match: '*', targets: [{ pool: 'oa', model: 'gpt-5' }], continueOnCut: 'yes' },
          { protocol: 'openai', match: '*', targets: [{ pool: 'oa' }] },
        ],
        defaults: { openai: 7 },
      }),
    );
    assert.deepEqual(problems, [
      'keybridge.routes[0].targets must list at least one target {"pool": "...", "model"?: "..."}',
      'keybridge.routes[1].protocol must be "openai", "anthropic" or "gemini"',
      'keybridge.routes[2].continueOnCut must be true or false; ignored',
      'keybridge.defaults.openai must be a non-empty string; using the first pool of each protocol',
    ]);
    // A bad flag is ignored, as it was before the schema: the route itself still serves.
    assert.deepEqual(settings.routes, [
      { protocol: 'openai', match: '*', targets: [{ pool: 'oa', model: 'gpt-5' }], continueOnCut: undefined },
      { protocol: 'openai', match: '*', targets: [{ pool: 'oa' }], continueOnCut: undefined },
    ]);
    assert.deepEqual(settings.defaults, {});
  });

  it('keeps a pool whose label, preset or flag is bad, ignoring just that field and naming it', () => {
    const { settings, problems } = parseSettings(
      read({ pools: [{ id: 'oa', label: '', provider: null, protocol: 'openai', baseUrl: 'HTTPS://api.example.com/v1', sharedLimits: 'true' }] }),
    );
    assert.deepEqual(
      settings.pools.map((p) => [p.id, p.label, p.provider, p.sharedLimits, p.baseUrl]),
      [['oa', undefined, undefined, undefined, 'HTTPS://api.example.com/v1']],
    );
    assert.deepEqual(problems.sort(), [
      'keybridge.pools[0].label must be a non-empty string; ignored',
      'keybridge.pools[0].provider must be a string; ignored',
      'keybridge.pools[0].sharedLimits must be true or false; ignored',
    ]);
  });

  it('joins pools with their stored keys and drops routes that do not fit, keeping the pools', () => {
    const { settings } = parseSettings(
      read({
        pools: [
          { id: 'oa', protocol: 'openai', baseUrl: 'https://api.openai.com/v1' },
          { id: 'an', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
        ],
        routes: [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'gone' }] }],
      }),
    );
    const { config, problems } = buildBridgeConfig(settings, [key('oa', 'k1', 's1'), key('an', 'k2', 's2'), key('gone', 'k3', 's3')]);
    assert.deepEqual(
      config.pools.map((p) => [p.id, p.keys.map((x) => x.secret)]),
      [
        ['oa', ['s1']],
        ['an', ['s2']],
      ],
    );
    assert.deepEqual(config.routes, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^keybridge\.routes\[0\]\.targets\[1\]\.pool: no pool with id "gone"/);
  });

  it("gives each pool its provider's prefill style from the preset, unless the setting declares one", () => {
    const { settings, problems } = parseSettings(
      read({
        pools: [
          { id: 'mi', provider: 'mistral', protocol: 'openai', baseUrl: 'https://api.mistral.ai/v1' },
          { id: 'or', provider: 'openrouter', protocol: 'openai', baseUrl: 'https://openrouter.ai/api/v1' },
          { id: 'ds', provider: 'deepseek', protocol: 'openai', baseUrl: 'https://api.deepseek.com/v1' },
          { id: 'dsb', provider: 'deepseek', protocol: 'openai', baseUrl: 'https://api.deepseek.com/beta', prefill: 'prefix' },
          { id: 'oa', provider: 'custom', protocol: 'openai', baseUrl: 'https://mistral.example/v1' },
          { id: 'bad', provider: 'mistral', protocol: 'openai', baseUrl: 'https://api.mistral.ai/v1', prefill: 'yes' },
        ],
      }),
    );
    assert.deepEqual(problems, ['keybridge.pools[5].prefill must be one of assistant, prefix, none; ignored']);
    const { config } = buildBridgeConfig(settings, []);
    assert.deepEqual(
      config.pools.map((p) => [p.id, p.prefill]),
      [
        ['mi', 'prefix'],
        ['or', 'assistant'],
        ['ds', undefined],
        ['dsb', 'prefix'],
        ['oa', undefined],
        ['bad', 'prefix'],
      ],
      'declared by the preset or the setting, never guessed from the URL',
    );
  });

  it('keeps a route whose target is a pool of the other protocol: it is translated', () => {
    const { settings } = parseSettings(
      read({
        pools: [
          { id: 'oa', protocol: 'openai', baseUrl: 'https://api.openai.com/v1', responses: false },
          { id: 'an', protocol: 'anthropic', baseUrl: 'https://api.anthropic.com' },
        ],
        routes: [{ protocol: 'anthropic', match: 'claude-*', targets: [{ pool: 'an' }, { pool: 'oa', model: 'gpt-4.1' }] }],
      }),
    );
    const { config, problems } = buildBridgeConfig(settings, [key('oa', 'k1', 's1'), key('an', 'k2', 's2')]);
    assert.deepEqual(problems, []);
    assert.deepEqual(config.routes[0].targets, [{ pool: 'an' }, { pool: 'oa', model: 'gpt-4.1' }]);
    assert.equal(config.pools[0].responses, false);
  });
});

describe('key paste checks and presets', () => {
  it('splits a paste on spaces, commas, semicolons and new lines; drops NAME= and quotes', () => {
    assert.deepEqual(splitPastedKeys(' a1, b2;c3\nd4\r\n export KEY="e5" \'f6\' '), ['a1', 'b2', 'c3', 'd4', 'e5', 'f6']);
    assert.deepEqual(splitPastedKeys('   '), []);
  });

  it('checks shapes without echoing the key, and warns on a foreign prefix', () => {
    const openai = presetById('openai');
    assert.deepEqual(checkKeyShapes(['sk-' + 'proj-aaaaaaaaaaaaaaaaaaaa'], openai), { errors: [], warnings: [] });
    const mismatch = checkKeyShapes(['gsk_aaaaaaaaaaaaaaaaaaaa'], openai);
    assert.deepEqual(mismatch.errors, []);
    assert.match(mismatch.warnings[0], /does not start with sk-/);
    const bad = checkKeyShapes(['short', 'x'.repeat(600), 'has space? no: has"quote"aaaaaaaaaaaaa'], undefined);
    assert.equal(bad.errors.length, 3);
    assert.ok(
      bad.errors.every((e) => !e.includes('aaaa')),
      'errors never repeat the pasted text',
    );
    assert.deepEqual(checkKeyShapes(['anything-long-enough-here'], presetById('mistral')), { errors: [], warnings: [] });
    const glued = checkKeyShapes(
      ['sk-' + 'ant-api03-aaaaaaaaaaaaaaaaaaaasK-ant-x', 'sk-' + 'ant-api03-aaaaaaaaaaaaaaaaaaaask-' + 'ant-api03-bbbbbbbbbbbbbbbbbbbb'],
      presetById('anthropic'),
    );
    assert.deepEqual(glued.errors, [
      'Key 2 looks like two keys run together (the input box drops line breaks): separate keys with spaces or commas, or copy the list and run Add Keys from Clipboard.',
    ]);
  });

  it('has every provider the issue names, each with a base URL in its SDK form', () => {
    assert.deepEqual(
      PROVIDER_PRESETS.map((p) => p.id),
      ['openai', 'anthropic', 'openrouter', 'groq', 'deepseek', 'mistral', 'xai', 'together', 'gemini', 'gemini-native', 'custom'],
    );
    for (const preset of PROVIDER_PRESETS.filter((p) => p.id !== 'custom')) {
      assert.match(preset.baseUrl, /^https:\/\/[^/]+/);
      if (preset.protocol !== 'openai') assert.doesNotMatch(preset.baseUrl, /\/v1/, 'Anthropic and Gemini base URLs are the server root');
    }
    assert.equal(presetById('gemini')?.baseUrl, 'https://generativelanguage.googleapis.com/v1beta/openai');
    assert.equal(presetById('gemini-native')?.baseUrl, 'https://generativelanguage.googleapis.com');
  });
});

describe('agent setup lines', () => {
  const ctx = {
    baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' },
    token: 'kb-TOKEN',
  };

  it('gives every agent lines that use the bridge URLs and the token', () => {
    for (const id of AGENT_IDS) {
      const setup = agentSetup(id, ctx);
      assert.ok(setup.text.includes('127.0.0.1:17381'), `${id} points at the bridge`);
      assert.ok(setup.text.includes('kb-TOKEN'), `${id} carries the token`);
      assert.ok(setup.title && setup.where, id);
    }
  });

  it('writes the forms each client expects', () => {
    assert.equal(
      agentSetup('claude-code', ctx).text,
      'export ANTHROPIC_BASE_URL=http://127.0.0.1:17381/anthropic\nexport ANTHROPIC_AUTH_TOKEN=kb-TOKEN\nclaude',
    );
    const codex = agentSetup('codex', ctx).text;
    assert.ok(codex.indexOf('model_provider = "keybridge"') < codex.indexOf('[model_providers.keybridge]'), 'top-level key before the table (TOML)');
    const opencode = JSON.parse(agentSetup('opencode', ctx).text.split('\n\n# shell')[0]) as {
      provider: { keybridge: { options: { baseURL: string; apiKey: string } } };
    };
    assert.deepEqual(opencode.provider.keybridge.options, { baseURL: 'http://127.0.0.1:17381/openai/v1', apiKey: '{env:KEYBRIDGE_TOKEN}' });
    assert.match(agentSetup('aider', ctx).text, /^export OPENAI_API_BASE=http:\/\/127\.0\.0\.1:17381\/openai\/v1$/m);
    assert.match(agentSetup('continue', ctx).text, /apiBase: http:\/\/127\.0\.0\.1:17381\/anthropic\/v1\//);
    assert.match(agentSetup('anthropic-sdk', ctx).text, /Anthropic\(base_url="http:\/\/127\.0\.0\.1:17381\/anthropic", api_key="kb-TOKEN"\)/);
    assert.match(agentSetup('openai-sdk', ctx).text, /new OpenAI\(\{ baseURL: "http:\/\/127\.0\.0\.1:17381\/openai\/v1", apiKey: "kb-TOKEN" \}\)/);
  });

  it('names the terminal variables the common agents read', () => {
    assert.deepEqual(agentEnvironment(ctx), {
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:17381/anthropic',
      ANTHROPIC_API_KEY: 'kb-TOKEN',
      ANTHROPIC_AUTH_TOKEN: 'kb-TOKEN',
      OPENAI_BASE_URL: 'http://127.0.0.1:17381/openai/v1',
      OPENAI_API_BASE: 'http://127.0.0.1:17381/openai/v1',
      OPENAI_API_KEY: 'kb-TOKEN',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:17381/gemini',
      GEMINI_API_KEY: 'kb-TOKEN',
      KEYBRIDGE_URL: 'http://127.0.0.1:17381',
      KEYBRIDGE_TOKEN: 'kb-TOKEN',
    });
    assert.match(agentSetup('shell', { ...ctx, token: "it's" }).text, /export ANTHROPIC_API_KEY='it'\\''s'/);
  });
});
