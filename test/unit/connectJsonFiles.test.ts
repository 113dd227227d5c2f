// Guards Connect Agents' promise for JSON settings (~/.claude/settings.json, opencode.json): only our members
// are set, in the file's own indentation and line ends; the previous values come back on Disconnect byte for
// byte; a member the user changed since is left as they set it; a file that is not JSON is left untouched.
import assert from 'node:assert/strict';
import type { FileTargetId } from '../../src/core/agents/agentList';
import { ConnectRefused, fileState, planConnect, planDisconnect, planRefresh } from '../../src/core/agents/fileConnection';
import { bridgeAt, connectRoundTrip } from '../helpers/connectPlans';
import { at, objAt, parseJson } from '../helpers/json';

const ctx = bridgeAt(17381);

const roundTrip = (id: FileTargetId, before: string | undefined): string => connectRoundTrip(id, ctx, before, parseJson);

const SETTINGS = '{\n  "model": "opus",\n  "permissions": {\n    "allow": ["Bash(ls:*)"]\n  },\n  "env": {\n    "DISABLE_TELEMETRY": "1"\n  }\n}\n';

describe('Connect Agents: ~/.claude/settings.json', () => {
  it('sets only ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN inside env, after the user’s own variables', () => {
    // ANTHROPIC_AUTH_TOKEN, not ANTHROPIC_API_KEY: interactive Claude Code asks before it uses an API key from
    // its environment, with "No (recommended)" preselected.
    const plan = planConnect('claude-settings', ctx, SETTINGS);
    assert.equal(plan.path, '/home/u/.claude/settings.json');
    assert.equal(
      plan.after,
      '{\n  "model": "opus",\n  "permissions": {\n    "allow": ["Bash(ls:*)"]\n  },\n  "env": {\n    "DISABLE_TELEMETRY": "1",\n    "ANTHROPIC_BASE_URL": "http://127.0.0.1:17381/anthropic",\n    "ANTHROPIC_AUTH_TOKEN": "kb-test-token"\n  }\n}\n',
    );
    assert.deepEqual(plan.previous, { ANTHROPIC_BASE_URL: null, ANTHROPIC_AUTH_TOKEN: null });
  });

  for (const [name, before] of [
    ['no file', undefined],
    ['{}', '{}'],
    ['an empty object with spaces and a newline', '{ }\n'],
    ['a file with env', SETTINGS],
    ['a file without env', '{\n  "model": "opus"\n}\n'],
    ['a file with an empty env', '{\n  "env": {}\n}\n'],
    ['a CRLF file', SETTINGS.replace(/\n/g, '\r\n')],
    ['a tab-indented file without a final newline', '{\n\t"env": {\n\t\t"A": "1"\n\t}\n}'],
    ['a one-line file', '{"model":"opus","env":{"A":"1"}}'],
    [
      'a file whose env already has our keys',
      '{\n  "env": {\n    "ANTHROPIC_AUTH_TOKEN": "users-own-token",\n    "ANTHROPIC_BASE_URL": "https://proxy.example"\n  }\n}\n',
    ],
  ] as const) {
    it(`Connect then Disconnect restores ${name} byte for byte`, () => {
      assert.equal(roundTrip('claude-settings', before), before ?? '<deleted>');
    });
  }

  it('keeps CRLF and tabs in what it adds', () => {
    const crlf = planConnect('claude-settings', ctx, SETTINGS.replace(/\n/g, '\r\n')).after;
    assert.ok(!/[^\r]\n/.test(crlf));
    const tabs = planConnect('claude-settings', ctx, '{\n\t"env": {\n\t\t"A": "1"\n\t}\n}').after;
    assert.match(tabs, /\n\t\t"ANTHROPIC_AUTH_TOKEN": "kb-test-token"\n\t}\n}$/);
  });

  it('remembers the user’s own values apart (they may be credentials) and puts them back in place', () => {
    const before = '{\n  "env": {\n    "ANTHROPIC_AUTH_TOKEN": "users-own-token",\n    "OTHER": "x"\n  }\n}\n';
    const plan = planConnect('claude-settings', ctx, before);
    assert.equal(plan.previous.ANTHROPIC_AUTH_TOKEN, '"users-own-token"');
    assert.ok(!JSON.stringify(plan.record).includes('users-own-token'), 'the record kept in globalState holds no previous value');
    assert.ok(!JSON.stringify(plan.record).includes('kb-test-token'), 'nor the local token');
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), before);
  });

  it('keeps members the user added beside ours since Connect', () => {
    const plan = planConnect('claude-settings', ctx, '{\n  "model": "opus"\n}\n');
    const edited = plan.after.replace('"ANTHROPIC_AUTH_TOKEN": "kb-test-token"', '"ANTHROPIC_AUTH_TOKEN": "kb-test-token",\n    "MINE": "1"');
    assert.equal(planDisconnect(plan.record, plan.previous, edited), '{\n  "model": "opus",\n  "env": {\n    "MINE": "1"\n  }\n}\n');
  });

  it('reports drift when someone changed our value, and Disconnect leaves that change as it is', () => {
    const plan = planConnect('claude-settings', ctx, SETTINGS);
    const edited = plan.after.replace('http://127.0.0.1:17381/anthropic', 'https://elsewhere.example');
    assert.equal(fileState(plan.record, ctx, edited), 'drifted');
    const after = planDisconnect(plan.record, plan.previous, edited) as string;
    assert.deepEqual(at(parseJson(after), 'env'), { DISABLE_TELEMETRY: '1', ANTHROPIC_BASE_URL: 'https://elsewhere.example' });
  });

  it('rewrites only our values after a port or token change', () => {
    const plan = planConnect('claude-settings', ctx, SETTINGS);
    const next = {
      ...ctx,
      token: 'kb-rotated',
      baseUrls: { ...ctx.baseUrls, anthropic: 'http://127.0.0.1:18000/anthropic', gemini: 'http://127.0.0.1:18000/gemini' },
    };
    assert.equal(fileState(plan.record, next, plan.after), 'outdated');
    const refreshed = planRefresh(plan.record, next, plan.after);
    assert.equal(refreshed.after, plan.after.replace('kb-test-token', 'kb-rotated').replace('17381', '18000'));
    assert.equal(fileState(refreshed.record, next, refreshed.after), 'connected');
    assert.equal(planDisconnect(refreshed.record, plan.previous, refreshed.after), SETTINGS);
  });

  it('removes our members even when their previous values were lost (never leaves the file pointing at us)', () => {
    const plan = planConnect('claude-settings', ctx, SETTINGS);
    assert.equal(planDisconnect(plan.record, {}, plan.after), SETTINGS);
  });

  for (const [why, text] of [
    ['comments', '{\n  // mine\n  "env": {}\n}\n'],
    ['a trailing comma', '{"env": {},}'],
    ['an array at the top', '[]'],
    ['env that is not an object', '{"env": "x"}'],
  ] as const) {
    it(`leaves a file with ${why} untouched, saying why`, () => {
      assert.throws(
        () => planConnect('claude-settings', ctx, text),
        (e: Error) => e instanceof ConnectRefused && /left untouched/.test(e.message),
      );
    });
  }

  it('says so when the file already points at KeyBridge', () => {
    const plan = planConnect('claude-settings', ctx, SETTINGS);
    assert.throws(() => planConnect('claude-settings', ctx, plan.after), /already points at KeyBridge/);
  });
});

describe('Connect Agents: ~/.claude/settings.json with the user’s own ANTHROPIC_API_KEY', () => {
  it('leaves it as it is (the bridge reads the bearer token first) and restores the file byte for byte', () => {
    const before = '{\n  "env": {\n    "ANTHROPIC_API_KEY": "test-key-users-own"\n  }\n}\n';
    const plan = planConnect('claude-settings', ctx, before);
    assert.deepEqual(at(parseJson(plan.after), 'env'), {
      ANTHROPIC_API_KEY: 'test-key-users-own',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:17381/anthropic',
      ANTHROPIC_AUTH_TOKEN: 'kb-test-token',
    });
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), before);
  });
});

describe('Connect Agents: a file connected by a version that wrote other members', () => {
  it('is not rewritten in place (the old member would stay behind) and Disconnect still takes out what that version wrote', () => {
    const before = '{\n  "env": {\n    "A": "1"\n  }\n}\n';
    const plan = planConnect('claude-settings', ctx, before);
    // What the earlier build wrote: the token as ANTHROPIC_API_KEY.
    const older = plan.after.replace('"ANTHROPIC_AUTH_TOKEN"', '"ANTHROPIC_API_KEY"');
    const record = {
      ...plan.record,
      digests: { ANTHROPIC_BASE_URL: plan.record.digests.ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY: plan.record.digests.ANTHROPIC_AUTH_TOKEN },
    };
    assert.equal(fileState(record, ctx, older), 'drifted');
    assert.equal(planDisconnect(record, {}, older), before);
  });
});

describe('Connect Agents: opencode.json', () => {
  it('adds a keybridge provider beside the user’s providers and takes it out again byte for byte', () => {
    const before = '{\n  "$schema": "https://opencode.ai/config.json",\n  "provider": {\n    "mine": { "npm": "x" }\n  },\n  "model": "mine/m"\n}\n';
    const plan = planConnect('opencode', ctx, before);
    assert.equal(plan.path, '/home/u/.config/opencode/opencode.json');
    const parsed = parseJson(plan.after);
    assert.deepEqual(Object.keys(objAt(parsed, 'provider')), ['mine', 'keybridge']);
    assert.deepEqual(at(parsed, 'provider', 'keybridge', 'options'), { baseURL: 'http://127.0.0.1:17381/openai/v1', apiKey: 'kb-test-token' });
    assert.equal(at(parsed, 'model'), 'mine/m', 'the user’s default model is not changed');
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), before);
    assert.equal(roundTrip('opencode', undefined), '<deleted>');
  });

  it('honours XDG_CONFIG_HOME', () => {
    assert.equal(planConnect('opencode', { ...ctx, env: { XDG_CONFIG_HOME: '/xdg' } }, undefined).path, '/xdg/opencode/opencode.json');
  });
});

describe('Connect Agents: Qwen Code settings.json', () => {
  // Qwen Code writes its settings with a `$version` and nested sections; the user may keep their own variables in `env`.
  const QWEN = '{\n  "$version": 3,\n  "env": {\n    "TAVILY_API_KEY": "tvly-users-own"\n  },\n  "ui": {\n    "theme": "Default"\n  }\n}\n';

  it('sets the three variables that select its OpenAI-compatible sign-in, beside the user’s own, and restores the file', () => {
    const plan = planConnect('qwen-settings', ctx, QWEN);
    assert.equal(plan.path, '/home/u/.qwen/settings.json');
    const parsed = parseJson(plan.after);
    assert.deepEqual(at(parsed, 'env'), {
      TAVILY_API_KEY: 'tvly-users-own',
      OPENAI_BASE_URL: 'http://127.0.0.1:17381/openai/v1',
      OPENAI_API_KEY: 'kb-test-token',
      OPENAI_MODEL: 'gpt-4.1',
    });
    assert.deepEqual(at(parsed, 'ui'), { theme: 'Default' });
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), QWEN);
    assert.equal(roundTrip('qwen-settings', undefined), '<deleted>');
  });

  it('puts back a model the user had chosen there', () => {
    const before = '{\n  "env": {\n    "OPENAI_MODEL": "qwen3-coder-plus"\n  }\n}\n';
    const plan = planConnect('qwen-settings', ctx, before);
    assert.deepEqual(plan.previous, { OPENAI_BASE_URL: null, OPENAI_API_KEY: null, OPENAI_MODEL: '"qwen3-coder-plus"' });
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), before);
  });

  it('moves with QWEN_HOME', () => {
    assert.equal(planConnect('qwen-settings', { ...ctx, env: { QWEN_HOME: '/q' } }, undefined).path, '/q/settings.json');
  });
});
