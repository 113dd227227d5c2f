// Guards Connect Agents' promise for Gemini CLI: ~/.gemini/.env gets a marked block of exactly its two variables,
// last in the file (dotenv takes a name's last value), and ~/.gemini/settings.json gets the API-key sign-in beside
// every setting of the user's; Disconnect gives both files back byte for byte, a missing file staying missing.
import assert from 'node:assert/strict';
import type { FileTargetId } from '../../src/core/agents/agentList';
import { ConnectRefused, fileState, planConnect, planDisconnect, planRefresh } from '../../src/core/agents/fileConnection';
import { bridgeAt, connectRoundTrip } from '../helpers/connectPlans';

const ctx = bridgeAt(17381);
const moved = bridgeAt(18000);

const roundTrip = (id: FileTargetId, before: string | undefined): string => connectRoundTrip(id, ctx, before);

/** What Gemini CLI's dotenv (16.x, bundled) makes of a file: every `NAME=value`, a later one replacing an earlier. */
function dotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const line = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;
  for (const m of text.replace(/\r\n?/g, '\n').matchAll(line)) {
    // The value is an optional group a line may lack.
    out[m[1]] = (m.at(2) ?? '').trim().replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
  }
  return out;
}

const USER_ENV = '# my keys\nGEMINI_API_KEY=test-key-users-own\nDEBUG=1\n';

describe('Connect Agents: Gemini CLI ~/.gemini/.env', () => {
  it('appends a marked block of exactly GOOGLE_GEMINI_BASE_URL and GEMINI_API_KEY, after the user’s own lines', () => {
    const plan = planConnect('gemini-env', ctx, USER_ENV);
    assert.equal(plan.path, '/home/u/.gemini/.env');
    assert.equal(
      plan.after,
      `${USER_ENV}\n# >>> keybridge (managed; Disconnect removes this) >>>\nGOOGLE_GEMINI_BASE_URL="http://127.0.0.1:17381/gemini"\nGEMINI_API_KEY="kb-test-token"\n# <<< keybridge <<<\n`,
    );
    assert.deepEqual(plan.lines, ['GOOGLE_GEMINI_BASE_URL="http://127.0.0.1:17381/gemini"', 'GEMINI_API_KEY="kb-test-token"']);
  });

  it('reads as the bridge’s URL and token to Gemini CLI’s dotenv, over the user’s own key, and the user’s key again after Disconnect', () => {
    const plan = planConnect('gemini-env', ctx, USER_ENV);
    assert.deepEqual(dotenv(plan.after), { GEMINI_API_KEY: 'kb-test-token', DEBUG: '1', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:17381/gemini' });
    const after = planDisconnect(plan.record, plan.previous, plan.after);
    assert.equal(after, USER_ENV);
    assert.deepEqual(dotenv(USER_ENV), { GEMINI_API_KEY: 'test-key-users-own', DEBUG: '1' });
  });

  for (const [name, before] of [
    ['no file', undefined],
    ['an empty file', ''],
    ['a file of the user’s', USER_ENV],
    ['a CRLF file', USER_ENV.replace(/\n/g, '\r\n')],
    ['a file without a final newline', 'DEBUG=1'],
    ['a file ending in a blank line', 'DEBUG=1\n\n'],
  ] as const) {
    it(`Connect then Disconnect restores ${name} byte for byte`, () => {
      assert.equal(roundTrip('gemini-env', before), before ?? '<deleted>');
    });
  }

  it('keeps the file’s CRLF line ends in the block', () => {
    const after = planConnect('gemini-env', ctx, USER_ENV.replace(/\n/g, '\r\n')).after;
    assert.ok(!/[^\r]\n/.test(after));
  });

  it('keeps lines the user added after Connect, and rewrites only the block after a port change', () => {
    const plan = planConnect('gemini-env', ctx, USER_ENV);
    const edited = `${plan.after}EXTRA=1\n`;
    assert.equal(fileState(plan.record, moved, edited), 'outdated');
    const refreshed = planRefresh(plan.record, moved, edited);
    assert.equal(refreshed.after, edited.replace('17381', '18000'));
    assert.equal(fileState(refreshed.record, moved, refreshed.after), 'connected');
    assert.equal(planDisconnect(refreshed.record, {}, refreshed.after), `${USER_ENV}EXTRA=1\n`);
  });

  it('reports drift when someone changed our lines', () => {
    const plan = planConnect('gemini-env', ctx, USER_ENV);
    assert.equal(fileState(plan.record, ctx, plan.after.replace('kb-test-token', 'test-key-other')), 'drifted');
  });

  it('refuses a file that already has a KeyBridge block', () => {
    const once = planConnect('gemini-env', ctx, USER_ENV).after;
    assert.throws(
      () => planConnect('gemini-env', ctx, once),
      (e: Error) => e instanceof ConnectRefused && /already has a KeyBridge block/.test(e.message),
    );
  });

  it('moves with GEMINI_CLI_HOME (which stands in for the home folder)', () => {
    assert.equal(planConnect('gemini-env', { ...ctx, env: { GEMINI_CLI_HOME: '/g' } }, undefined).path, '/g/.gemini/.env');
    assert.equal(planConnect('gemini-settings', { ...ctx, env: { GEMINI_CLI_HOME: '/g' } }, undefined).path, '/g/.gemini/settings.json');
  });
});

// Gemini CLI's own settings file: nested sections, written by its /settings dialog.
const USER_SETTINGS =
  '{\n  "general": {\n    "vimMode": true\n  },\n  "security": {\n    "folderTrust": {\n      "enabled": true\n    }\n  },\n  "ui": {\n    "theme": "GitHub"\n  }\n}\n';

describe('Connect Agents: Gemini CLI ~/.gemini/settings.json', () => {
  it('sets security.auth.selectedType to gemini-api-key and keeps every other setting', () => {
    const plan = planConnect('gemini-settings', ctx, USER_SETTINGS);
    assert.equal(plan.path, '/home/u/.gemini/settings.json');
    assert.deepEqual(JSON.parse(plan.after), {
      general: { vimMode: true },
      security: { folderTrust: { enabled: true }, auth: { selectedType: 'gemini-api-key' } },
      ui: { theme: 'GitHub' },
    });
    assert.deepEqual(plan.previous, { selectedType: null });
  });

  for (const [name, before] of [
    ['no file', undefined],
    ['{}', '{}'],
    ['a file of the user’s', USER_SETTINGS],
    ['a file that signs in with Google', '{\n  "security": {\n    "auth": {\n      "selectedType": "oauth-personal"\n    }\n  }\n}\n'],
    ['a CRLF file', USER_SETTINGS.replace(/\n/g, '\r\n')],
  ] as const) {
    it(`Connect then Disconnect restores ${name} byte for byte`, () => {
      assert.equal(roundTrip('gemini-settings', before), before ?? '<deleted>');
    });
  }

  it('takes a file that already signs in with an API key as it is (the choice is not KeyBridge’s alone) and leaves it so', () => {
    const before = '{\n  "security": {\n    "auth": {\n      "selectedType": "gemini-api-key"\n    }\n  }\n}\n';
    const plan = planConnect('gemini-settings', ctx, before);
    assert.equal(plan.after, before);
    assert.equal(fileState(plan.record, ctx, plan.after), 'connected');
    assert.equal(planDisconnect(plan.record, plan.previous, plan.after), before);
  });

  it('leaves a settings file with comments untouched, saying why (Gemini CLI reads comments; the JSON writer does not rewrite them)', () => {
    assert.throws(
      () => planConnect('gemini-settings', ctx, '{\n  // mine\n  "ui": { "theme": "GitHub" }\n}\n'),
      (e: Error) => e instanceof ConnectRefused && /left untouched: it is not valid JSON/.test(e.message),
    );
  });
});
