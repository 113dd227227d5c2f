// Guards Connect Agents' promise for Codex's TOML files: a marked block added without rewriting the user's
// file, taken out byte for byte by Disconnect (LF, CRLF, no final newline, lines the user added around it),
// a file that does not read as TOML left untouched, and a port or token change rewriting only our block.
import assert from 'node:assert/strict';
import type { FileTargetId } from '../../src/core/agents/agentList';
import { ConnectRefused, fileState, planConnect, planDisconnect, planRefresh } from '../../src/core/agents/fileConnection';
import { outlineToml, TomlShapeError } from '../../src/core/agents/tomlOutline';
import { bridgeAt, connectRoundTrip } from '../helpers/connectPlans';

const ctx = bridgeAt(17381);
const moved = bridgeAt(18000);

const roundTrip = (id: FileTargetId, before: string | undefined): string => connectRoundTrip(id, ctx, before);

const USER_CONFIG =
  'model = "gpt-5"\napproval_policy = "on-request"\n\n[mcp_servers.docs]\ncommand = "docs-mcp"\nargs = [\n  "--port", # comment ] inside\n  "9000",\n]\n';

describe('Connect Agents: Codex config.toml', () => {
  it('appends the provider as a marked block at the end and writes these exact lines', () => {
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    assert.equal(plan.path, '/home/u/.codex/config.toml');
    assert.ok(plan.after.startsWith(USER_CONFIG), 'the user part is not rewritten');
    assert.equal(
      plan.after.slice(USER_CONFIG.length),
      [
        '',
        '# >>> keybridge (managed; Disconnect removes this) >>>',
        '[model_providers.keybridge]',
        'name = "KeyBridge"',
        'base_url = "http://127.0.0.1:17381/openai/v1"',
        'wire_api = "responses"',
        'experimental_bearer_token = "kb-test-token"',
        '# <<< keybridge <<<',
        '',
      ].join('\n'),
    );
    assert.doesNotThrow(() => outlineToml(plan.after));
  });

  for (const [name, before] of [
    ['no file', undefined],
    ['an empty file', ''],
    ['a file with tables', USER_CONFIG],
    ['a CRLF file', USER_CONFIG.replace(/\n/g, '\r\n')],
    ['a file without a final newline', USER_CONFIG.trimEnd()],
    ['a file ending in blank lines', `${USER_CONFIG}\n\n`],
  ] as const) {
    it(`Connect then Disconnect restores ${name} byte for byte`, () => {
      for (const id of ['codex-provider', 'codex-profile'] as const) assert.equal(roundTrip(id, before), before ?? '<deleted>', id);
    });
  }

  it('keeps CRLF line ends in the lines it adds', () => {
    const after = planConnect('codex-provider', ctx, USER_CONFIG.replace(/\n/g, '\r\n')).after;
    assert.ok(!/[^\r]\n/.test(after), 'a bare LF was written into a CRLF file');
  });

  it('keeps what the user added before and after the block since Connect', () => {
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    const edited = `# mine at the top\n${plan.after}\n[profiles_extra]\nx = 1\n`;
    assert.equal(planDisconnect(plan.record, {}, edited), `# mine at the top\n${USER_CONFIG}\n[profiles_extra]\nx = 1\n`);
  });

  it('puts the default-provider line before the first table, in its own marked lines, and takes it out again', () => {
    const provider = planConnect('codex-provider', ctx, USER_CONFIG);
    const chosen = planConnect('codex-default', ctx, provider.after);
    const lines = chosen.after.split('\n');
    const marker = lines.indexOf('# >>> keybridge default provider (managed; Disconnect removes this) >>>');
    assert.ok(marker > 0 && marker < lines.indexOf('[mcp_servers.docs]'), 'the root key sits before the first table');
    assert.equal(lines[marker + 1], 'model_provider = "keybridge"');
    assert.deepEqual(outlineToml(chosen.after).rootKeys, ['model', 'approval_policy', 'model_provider']);
    // Undone in either order, the file is the user's again.
    const withoutDefault = planDisconnect(chosen.record, {}, chosen.after) as string;
    assert.equal(withoutDefault, provider.after);
    assert.equal(planDisconnect(provider.record, {}, withoutDefault), USER_CONFIG);
    const withoutProvider = planDisconnect(provider.record, {}, chosen.after) as string;
    assert.equal(planDisconnect(chosen.record, {}, withoutProvider), USER_CONFIG);
  });

  it('puts the default-provider line before our own table when the file has no table of its own', () => {
    const provider = planConnect('codex-provider', ctx, 'model = "gpt-5"\n');
    const chosen = planConnect('codex-default', ctx, provider.after);
    assert.deepEqual(outlineToml(chosen.after).rootKeys, ['model', 'model_provider']);
    assert.equal(planDisconnect(provider.record, {}, planDisconnect(chosen.record, {}, chosen.after) as string), 'model = "gpt-5"\n');
  });

  it('refuses the default provider when the user already chose one, naming why', () => {
    assert.throws(
      () => planConnect('codex-default', ctx, 'model_provider = "openai"\n'),
      (e: Error) => e instanceof ConnectRefused && /already sets model_provider/.test(e.message),
    );
    assert.throws(() => planConnect('codex-default', ctx, 'profile = "work"\n'), /legacy `profile`/);
  });

  it('refuses a provider table the user already has, and a second block of ours', () => {
    assert.throws(
      () => planConnect('codex-provider', ctx, '[model_providers.keybridge]\nbase_url = "x"\n'),
      /already has a \[model_providers.keybridge\] table/,
    );
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    assert.throws(() => planConnect('codex-provider', ctx, plan.after), /already has a KeyBridge block/);
  });

  for (const [why, text] of [
    ['an unclosed table header', 'model = "x"\n[model_providers\n'],
    ['an unclosed string', 'model = "x\n'],
    ['a line that is no key = value', 'model = "x"\nthis is not toml\n'],
    ['an unterminated multi-line string', 'notes = """\nnever closed\n'],
    ['an unclosed array', 'args = [\n  "a",\n'],
  ] as const) {
    it(`leaves a file with ${why} untouched, with a message naming the line`, () => {
      assert.throws(
        () => planConnect('codex-provider', ctx, text),
        (e: Error) => e instanceof ConnectRefused && /left untouched: it does not read as TOML \(line \d+|file ends inside/.test(e.message),
      );
    });
  }

  it('tells connected, outdated (port or token changed) and drifted (someone edited our block) apart', () => {
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    assert.equal(fileState(plan.record, ctx, plan.after), 'connected');
    assert.equal(fileState(plan.record, moved, plan.after), 'outdated');
    assert.equal(fileState(plan.record, { ...ctx, token: 'kb-new' }, plan.after), 'outdated');
    assert.equal(fileState(plan.record, ctx, plan.after.replace('wire_api = "responses"', 'wire_api = "chat"')), 'drifted');
    assert.equal(fileState(plan.record, ctx, USER_CONFIG), 'drifted');
    assert.equal(fileState(plan.record, ctx, undefined), 'missing');
  });

  it('rewrites only our block after a port change, and Disconnect still restores the original', () => {
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    const edited = `${plan.after}# a note the user added\n`;
    const refreshed = planRefresh(plan.record, moved, edited);
    assert.equal(refreshed.after, edited.replace('127.0.0.1:17381', '127.0.0.1:18000'));
    assert.equal(fileState(refreshed.record, moved, refreshed.after), 'connected');
    assert.equal(planDisconnect(refreshed.record, {}, refreshed.after), `${USER_CONFIG}# a note the user added\n`);
  });

  it('leaves a file whose markers were broken untouched on Disconnect', () => {
    const plan = planConnect('codex-provider', ctx, USER_CONFIG);
    const broken = plan.after.replace('# <<< keybridge <<<\n', '');
    assert.throws(() => planDisconnect(plan.record, {}, broken), /left untouched: .*not one begin followed by one end/);
  });
});

describe('TOML outline', () => {
  it('follows strings, multi-line strings, inline tables and arrays across lines', () => {
    const outline = outlineToml(
      [
        'a = "x # not a comment [not a table]"',
        "b = 'literal \\'",
        'c = """',
        '[not.a.table]',
        '"""',
        'd = { e = 1, f = [1, 2] }',
        '"quoted.key" = 1',
        '[t . "u.v"]',
        '[[arr]]',
        "x = '''",
        "]'''",
      ].join('\n'),
    );
    assert.deepEqual(outline.rootKeys, ['a', 'b', 'c', 'd', 'quoted.key']);
    assert.deepEqual(outline.tables, ['t.u.v', 'arr']);
  });

  it('names the line that is not TOML', () => {
    assert.throws(
      () => outlineToml('a = 1\n\nb = ]\n'),
      (e: Error) => e instanceof TomlShapeError && /^line 3/.test(e.message),
    );
  });
});
