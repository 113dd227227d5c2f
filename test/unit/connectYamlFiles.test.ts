// Guards Connect Agents' promise for Continue's config.yaml: two model entries added as a marked block at
// the head of the user's `models:` list (or a list of ours when there is none), without rewriting anything
// of theirs; Disconnect takes them out byte for byte; a file Continue could not read, or one the entries
// would not fit, is left untouched with the reason; a port or token change rewrites only our block.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { ConnectRefused, fileState, planConnect, planDisconnect, planRefresh } from '../../src/core/agents/fileConnection';
import { bridgeAt, connectRoundTrip } from '../helpers/connectPlans';

const ctx = bridgeAt(17381);
const moved = bridgeAt(18000, 'kb-other-token');

const OURS = [
  {
    name: 'KeyBridge (OpenAI)',
    provider: 'openai',
    model: 'gpt-4.1',
    apiBase: 'http://127.0.0.1:17381/openai/v1',
    apiKey: 'kb-test-token',
  },
  {
    name: 'KeyBridge (Anthropic)',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    apiBase: 'http://127.0.0.1:17381/anthropic/v1/',
    apiKey: 'kb-test-token',
  },
];

const HEADER = 'name: My Config # mine\nversion: 1.0.0\nschema: v1\n';
const MINE = '  - name: Local Llama\n    provider: ollama\n    model: llama3\n    roles:\n      - chat\n';
const WITH_MODELS = `${HEADER}\nmodels:\n${MINE}\ncontext:\n  - provider: code\n`;
const UNINDENTED = `${HEADER}models:\n- name: Local Llama\n  provider: ollama\n  model: llama3\n`;

function models(text: string): unknown[] {
  return (parse(text) as { models: unknown[] }).models;
}

const roundTrip = (before: string | undefined): string => connectRoundTrip('continue-config', ctx, before);

function refusal(before: string | undefined, exists: (path: string) => boolean = () => false): string {
  try {
    planConnect('continue-config', ctx, before, exists);
  } catch (error) {
    assert.ok(error instanceof ConnectRefused, String(error));
    return error.message;
  }
  assert.fail('Connect wrote a file it should have left alone');
}

describe('Connect Agents: Continue config.yaml', () => {
  it('puts the two entries at the head of the user’s models list, at its indentation, and Continue reads them', () => {
    const plan = planConnect('continue-config', ctx, WITH_MODELS);
    assert.equal(plan.path, '/home/u/.continue/config.yaml');
    const at = WITH_MODELS.indexOf(MINE);
    assert.equal(plan.after.slice(0, at), WITH_MODELS.slice(0, at), 'what comes before the list is untouched');
    assert.ok(plan.after.endsWith(WITH_MODELS.slice(at)), 'the user’s entries and what follows are untouched');
    assert.deepEqual(models(plan.after), [...OURS, { name: 'Local Llama', provider: 'ollama', model: 'llama3', roles: ['chat'] }]);
    assert.deepEqual((parse(plan.after) as { context: unknown }).context, [{ provider: 'code' }]);
    assert.ok(plan.after.includes('\n# >>> keybridge (managed; Disconnect removes this) >>>\n  - name: "KeyBridge (OpenAI)"\n'));
  });

  it('keeps a comment above the user’s first entry with that entry', () => {
    const before = `${HEADER}models:\n  # my own\n  # (two lines)\n${MINE}`;
    const plan = planConnect('continue-config', ctx, before);
    assert.ok(plan.after.startsWith(`${HEADER}models:\n# >>> keybridge`), plan.after);
    assert.ok(plan.after.endsWith(`# <<< keybridge <<<\n  # my own\n  # (two lines)\n${MINE}`), plan.after);
    assert.equal(planDisconnect(plan.record, {}, plan.after), before);
  });

  it('follows a list written at the key’s own indentation', () => {
    const plan = planConnect('continue-config', ctx, UNINDENTED);
    assert.deepEqual(models(plan.after).slice(0, 2), OURS);
    assert.equal(models(plan.after).length, 3);
    assert.ok(plan.after.includes('\n- name: "KeyBridge (Anthropic)"\n'));
  });

  it('adds a models list of its own when the file has none, and creates a file Continue accepts when there is none', () => {
    const added = planConnect('continue-config', ctx, HEADER);
    assert.ok(added.after.startsWith(HEADER));
    assert.deepEqual(models(added.after), OURS);
    const created = planConnect('continue-config', ctx, undefined);
    assert.deepEqual(parse(created.after), { name: 'Local Config', version: '1.0.0', schema: 'v1', models: OURS });
  });

  it('takes the place of an empty `models: []` (Continue’s own default) and puts it back', () => {
    const before = `${HEADER}models: [] # none yet\ncontext: []\n`;
    const plan = planConnect('continue-config', ctx, before);
    assert.deepEqual(models(plan.after), OURS);
    assert.ok(!plan.after.includes('models: []'));
    assert.equal(planDisconnect(plan.record, {}, plan.after), before);
    const bare = `${HEADER}models:\ncontext: []\n`;
    assert.deepEqual(models(planConnect('continue-config', ctx, bare).after), OURS);
  });

  for (const [name, before] of [
    ['no file', undefined],
    ['a file with a models list', WITH_MODELS],
    ['a list at the key’s indentation', UNINDENTED],
    ['a file without a models list', HEADER],
    ['a CRLF file', WITH_MODELS.replace(/\n/g, '\r\n')],
    ['a file without a final newline', HEADER.trimEnd()],
    ['a file ending in `models: []` without a newline', `${HEADER}models: []`],
  ] as const) {
    it(`Connect then Disconnect restores ${name} byte for byte`, () => {
      assert.equal(roundTrip(before), before ?? '<deleted>');
    });
  }

  it('keeps CRLF line ends in the lines it adds', () => {
    const after = planConnect('continue-config', ctx, WITH_MODELS.replace(/\n/g, '\r\n')).after;
    assert.ok(!/[^\r]\n/.test(after), 'a bare LF was written into a CRLF file');
  });

  it('keeps the entries the user added since, above and below the block', () => {
    const plan = planConnect('continue-config', ctx, WITH_MODELS);
    const extra = '  - name: Added Later\n    provider: openai\n    model: o3\n';
    const edited = plan.after.replace('models:\n', `models:\n${extra}`).replace(MINE, `${extra.replace('Added Later', 'Added Below')}${MINE}`);
    const restored = planDisconnect(plan.record, {}, edited) as string;
    assert.deepEqual(
      models(restored).map((m) => (m as { name: string }).name),
      ['Added Later', 'Added Below', 'Local Llama'],
    );
  });

  it('leaves a file Continue could not read untouched, saying why without quoting it', () => {
    const secretLine = '  apiKey: test-key-yaml-quoted-1\n';
    for (const [bad, why] of [
      [`${HEADER}models:\n  - name: a\n${secretLine}  - name: b\n bad: [\n`, /cannot take KeyBridge's entries \(line \d+:/],
      [`${HEADER}name: twice\n`, /line 4: a key appears twice in one mapping/],
      // Parser messages that would quote the file: a block scalar header, an alias without its anchor.
      [`${HEADER}models:\n  - name: a\n    apiKey: |test-key-yaml-quoted-1\n`, /line 6: /],
      [`${HEADER}models:\n  - name: a\n    apiKey: *test-key-yaml-quoted-1\n`, /an alias \(\*name\) has no anchor/],
      ['- just\n- a list\n', /top level is not a list of `key: value` settings/],
      [`${HEADER}models: [{ name: a, provider: openai }]\n`, /written on one line in brackets/],
      [`${HEADER}models: none\n`, /its "models" is not a list/],
    ] as const) {
      const message = refusal(bad);
      assert.match(message, /\/home\/u\/\.continue\/config\.yaml was left untouched/);
      assert.match(message, why);
      assert.ok(!message.includes('test-key-yaml-quoted'), 'the refusal quotes the file');
    }
  });

  it('refuses an edit that would change anything else Continue reads', () => {
    // A keep-chomped block scalar at the end would take the blank line before an appended block as its own.
    assert.match(refusal(`${HEADER}rules: |+\n  be nice\n`), /would not read as the same file with two more models/);
    // An anchored list is aliased elsewhere: the alias would pick up KeyBridge's entries too.
    assert.match(refusal(`${HEADER}models: &mine\n  - name: a\n    provider: ollama\nbackup: *mine\n`), /would not read as the same file with two more models/);
  });

  it('refuses a list that already has entries with our names (pasted from Copy Agent Setup)', () => {
    const pasted = `${HEADER}models:\n  - name: KeyBridge (OpenAI)\n    provider: openai\n    model: gpt-4.1\n`;
    assert.match(refusal(pasted), /already has an entry named "KeyBridge \(OpenAI\)"/);
  });

  it('creates no config.yaml that would hide the user’s older config.json', () => {
    const message = refusal(undefined, (path) => path === '/home/u/.continue/config.json');
    assert.match(message, /was not created: the agent reads \/home\/u\/\.continue\/config\.json/);
    assert.doesNotThrow(() => planConnect('continue-config', ctx, HEADER, () => true), 'an existing config.yaml is what Continue reads');
  });

  it('moves with CONTINUE_GLOBAL_DIR', () => {
    assert.equal(planConnect('continue-config', { ...ctx, env: { CONTINUE_GLOBAL_DIR: '/srv/cont' } }, undefined).path, '/srv/cont/config.yaml');
  });

  it('rewrites only its block for a new port and token, and calls a changed block drifted', () => {
    const plan = planConnect('continue-config', ctx, WITH_MODELS);
    assert.equal(fileState(plan.record, moved, plan.after), 'outdated');
    const refreshed = planRefresh(plan.record, moved, plan.after);
    assert.equal(fileState(refreshed.record, moved, refreshed.after), 'connected');
    assert.deepEqual(
      models(refreshed.after)
        .slice(0, 2)
        .map((m) => (m as { apiBase: string; apiKey: string }).apiBase + ' ' + (m as { apiKey: string }).apiKey),
      ['http://127.0.0.1:18000/openai/v1 kb-other-token', 'http://127.0.0.1:18000/anthropic/v1/ kb-other-token'],
    );
    assert.equal(planDisconnect(refreshed.record, {}, refreshed.after), WITH_MODELS);
    assert.equal(fileState(plan.record, ctx, plan.after.replace('gpt-4.1', 'gpt-5')), 'drifted');
  });

  it('leaves the file alone when taking the block out would leave the user’s entries without their key', () => {
    const plan = planConnect('continue-config', ctx, `${HEADER}models: []\n`);
    const below = `${plan.after}  - name: Mine\n    provider: ollama\n    model: llama3\n`;
    assert.throws(
      () => planDisconnect(plan.record, {}, below),
      (e: unknown) => e instanceof ConnectRefused && /would not read as YAML/.test(e.message),
    );
  });
});
