// Guards claudeCode.environmentVariables against a record from a version that wrote other variables (the
// token as ANTHROPIC_API_KEY): following a port change must not add the new variable beside the old one, which
// would leave the token behind after Disconnect; the setting reads as drifted and Disconnect still takes out
// what that version wrote.
import assert from 'node:assert/strict';
import { claudeEnvValues } from '../../src/core/agents/specs/claudeCode';
import { envSettingState, mergeEnvSetting, restoreEnvSetting } from '../../src/core/agents/envVarSetting';

const ctx = {
  baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' },
  token: 'kb-test-token',
};

describe('Connect Agents: claudeCode.environmentVariables', () => {
  it('is connected with what this version writes, outdated after a port change', () => {
    const merged = mergeEnvSetting([{ name: 'FOO', value: '1' }], claudeEnvValues(ctx));
    assert.equal(envSettingState(merged.value, merged.record, claudeEnvValues(ctx)), 'connected');
    const moved = { ...ctx, baseUrls: { ...ctx.baseUrls, anthropic: 'http://127.0.0.1:18000/anthropic', gemini: 'http://127.0.0.1:18000/gemini' } };
    assert.equal(envSettingState(merged.value, merged.record, claudeEnvValues(moved)), 'outdated');
  });

  it('reads an earlier version’s variables as drifted, and Disconnect removes them', () => {
    const older = mergeEnvSetting([{ name: 'FOO', value: '1' }], { ANTHROPIC_BASE_URL: ctx.baseUrls.anthropic, ANTHROPIC_API_KEY: ctx.token });
    assert.equal(envSettingState(older.value, older.record, claudeEnvValues(ctx)), 'drifted');
    assert.deepEqual(restoreEnvSetting(older.value, older.record, older.previous), [{ name: 'FOO', value: '1' }]);
  });
});
