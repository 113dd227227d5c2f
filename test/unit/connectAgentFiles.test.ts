// Guards the file I/O of Connect Agents on a real disk (a temporary HOME): a file that holds the local token
// ends up private (0600; a tightened mode is said); Disconnect deletes a file it created with the folders it
// created and nothing else; a symlinked dotfile of the user's own stays a link, but a link or an agent home
// another user could read or change, and a relative agent home, are refused by name; a temporary file
// planted as a link cannot capture the token; a file that does not parse is not written at all.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connectFile, currentFileState, disconnectFile, planFile, refreshFile } from '../../src/core/agents/agentFiles';
import type { ConnectContext } from '../../src/core/agents/connectTargets';

import type { FileUser } from '../../src/core/agents/tokenFiles';

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A folder another user owns. As root (this sandbox) it is handed to uid 4242 for real; elsewhere the test
 * cannot chown, so the check is told it runs as uid 4242 and the test's own folders are someone else's: the
 * first of them on the way is the one named.
 */
function ownedByAnother(folder: string): { user: FileUser; foreign: string } {
  if (process.getuid?.() === 0) {
    chownSync(folder, 4242, 4242);
    return { user: { uid: 0 }, foreign: folder };
  }
  let first = folder;
  for (let d = folder; d !== dirname(d) && statSync(d).uid !== 0; d = dirname(d)) first = d;
  return { user: { uid: 4242 }, foreign: first };
}

describe('Connect Agents: files on disk', () => {
  let home: string;
  let ctx: ConnectContext;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cn-home-'));
    ctx = {
      baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic', gemini: 'http://127.0.0.1:17381/gemini' },
      token: 'kb-disk-token',
      home,
    };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('creates ~/.codex/config.toml private, and Disconnect removes it and the folder it created', () => {
    const connected = connectFile('codex-provider', ctx);
    const path = join(home, '.codex', 'config.toml');
    assert.equal(connected.record.path, path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(connected.record.createdDirs, [join(home, '.codex')]);
    assert.equal(currentFileState(connected.record, ctx), 'connected');
    assert.equal(disconnectFile(connected.record, connected.previous), 'deleted');
    assert.ok(!existsSync(join(home, '.codex')));
    assert.ok(existsSync(home));
  });

  it('makes an existing 0644 file private, says so, and restores its text byte for byte', () => {
    mkdirSync(join(home, '.claude'));
    const path = join(home, '.claude', 'settings.json');
    const before = '{\n  "model": "opus"\n}';
    writeFileSync(path, before);
    chmodSync(path, 0o644);
    assert.deepEqual(planFile('claude-settings', ctx).notes, ['its mode goes from 0644 to 0600: it will hold the local token']);
    const connected = connectFile('claude-settings', ctx);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(connected.notes, ['mode tightened from 0644 to 0600']);
    const moved = { ...ctx, token: 'kb-rotated' };
    assert.equal(currentFileState(connected.record, moved), 'outdated');
    chmodSync(path, 0o640); // loosened again by hand: the next rewrite tightens it again
    const refreshed = refreshFile(connected.record, moved);
    assert.deepEqual(refreshed.notes, ['mode tightened from 0640 to 0600']);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.match(readFileSync(path, 'utf8'), /kb-rotated/);
    assert.equal(disconnectFile(refreshed.record, connected.previous), 'restored');
    assert.equal(readFileSync(path, 'utf8'), before);
    assert.equal(statSync(path).mode & 0o777, 0o600, 'Disconnect does not loosen it again');
    assert.ok(existsSync(join(home, '.claude')), 'a folder that was there stays');
  });

  it('follows a symlinked dotfile within the user’s own files, names its target, and leaves the link a link', () => {
    mkdirSync(join(home, 'dotfiles'), { mode: 0o700 });
    const real = join(home, 'dotfiles', 'settings.json');
    writeFileSync(real, '{}\n', { mode: 0o644 });
    mkdirSync(join(home, '.claude'));
    symlinkSync(real, join(home, '.claude', 'settings.json'));
    assert.deepEqual(planFile('claude-settings', ctx).notes, [
      `written through the link, at ${real}`,
      'its mode goes from 0644 to 0600: it will hold the local token',
    ]);
    const connected = connectFile('claude-settings', ctx);
    assert.ok(lstatSync(join(home, '.claude', 'settings.json')).isSymbolicLink());
    assert.match(readFileSync(real, 'utf8'), /ANTHROPIC_AUTH_TOKEN/);
    assert.equal(statSync(real).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(home, 'dotfiles')), ['settings.json'], 'no temporary file left beside the target');
    disconnectFile(connected.record, connected.previous);
    assert.equal(readFileSync(real, 'utf8'), '{}\n');
  });

  it('refuses a symlink into a folder other users can write, naming that folder', () => {
    const shared = join(home, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    writeFileSync(join(shared, 'settings.json'), '{}\n', { mode: 0o600 });
    mkdirSync(join(home, '.claude'));
    symlinkSync(join(shared, 'settings.json'), join(home, '.claude', 'settings.json'));
    const refusal = new RegExp(`leads to ${escape(join(shared, 'settings.json'))}\\): ${escape(shared)} can be written by other users \\(mode 0777\\)`);
    assert.throws(() => planFile('claude-settings', ctx), refusal);
    assert.throws(() => connectFile('claude-settings', ctx), refusal);
    assert.equal(readFileSync(join(shared, 'settings.json'), 'utf8'), '{}\n', 'nothing written there');
  });

  it('refuses a linked agent folder that others can write, and a link to a file that does not exist', () => {
    const shared = join(home, 'shared-codex');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    symlinkSync(shared, join(home, '.codex'));
    assert.throws(() => connectFile('codex-provider', ctx), new RegExp(`: ${escape(shared)} can be written by other users \\(mode 0777\\)`));
    assert.deepEqual(readdirSync(shared), []);
    mkdirSync(join(home, '.claude'));
    symlinkSync(join(home, 'gone.json'), join(home, '.claude', 'settings.json'));
    assert.throws(() => connectFile('claude-settings', ctx), /settings\.json was left untouched: it is a link to a file that does not exist/);
    assert.ok(!existsSync(join(home, 'gone.json')));
  });

  it('refuses a symlink to a file in a folder of another user, naming it', () => {
    const theirs = join(home, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'settings.json'), '{}\n');
    mkdirSync(join(home, '.claude'));
    symlinkSync(join(theirs, 'settings.json'), join(home, '.claude', 'settings.json'));
    const { user, foreign } = ownedByAnother(theirs);
    assert.throws(() => connectFile('claude-settings', ctx, user), new RegExp(`: ${escape(foreign)} belongs to another user \\(uid \\d+\\)`));
    assert.equal(readFileSync(join(theirs, 'settings.json'), 'utf8'), '{}\n');
  });

  it('refuses a CODEX_HOME other users can write (even with a sticky bit), and writes nothing there', () => {
    const shared = join(home, 'tmp-like');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const env = { CODEX_HOME: shared };
    assert.throws(() => connectFile('codex-provider', { ...ctx, env }), new RegExp(`${escape(shared)} can be written by other users \\(mode 1777\\)`));
    assert.deepEqual(readdirSync(shared), []);
    // A CODEX_HOME of the user's own inside such a folder is fine: the sticky bit keeps others from moving it.
    const own = join(shared, 'codex');
    connectFile('codex-provider', { ...ctx, env: { CODEX_HOME: own } });
    assert.equal(statSync(own).mode & 0o777, 0o700);
    assert.equal(statSync(join(own, 'config.toml')).mode & 0o777, 0o600);
  });

  it('takes a folder writable by the user’s own private group as theirs, and refuses one writable by another group', () => {
    const codexHome = join(home, 'codex');
    mkdirSync(codexHome);
    chmodSync(codexHome, 0o775); // umask 002, as Debian and Ubuntu give users with a group of their own
    const env = { CODEX_HOME: codexHome };
    const uid = statSync(codexHome).uid;
    assert.throws(
      () => connectFile('codex-provider', { ...ctx, env }, { uid }),
      new RegExp(`${escape(codexHome)} can be written by other users \\(mode 0775\\)`),
    );
    connectFile('codex-provider', { ...ctx, env }, { uid, ownGroup: statSync(codexHome).gid });
    assert.equal(statSync(join(codexHome, 'config.toml')).mode & 0o777, 0o600);
  });

  it('refuses a relative agent home, naming the variable', () => {
    for (const [id, variable] of [
      ['codex-provider', 'CODEX_HOME'],
      ['claude-settings', 'CLAUDE_CONFIG_DIR'],
      ['opencode', 'XDG_CONFIG_HOME'],
    ] as const) {
      const env = { [variable]: 'agent-home' };
      assert.throws(() => planFile(id, { ...ctx, env }), new RegExp(`^Error: ${variable} is "agent-home", a relative path`));
      assert.throws(() => connectFile(id, { ...ctx, env }), /a relative path/);
    }
    assert.ok(!existsSync('agent-home'), 'nothing written relative to the process folder');
  });

  it('does not let a temporary file planted as a link capture the token', () => {
    mkdirSync(join(home, '.codex'));
    const path = join(home, '.codex', 'config.toml');
    writeFileSync(path, 'model = "gpt-5"\n', { mode: 0o600 });
    // The name the temporary file used to have: predictable, and opened without O_EXCL.
    const trap = join(home, 'trap.txt');
    writeFileSync(trap, '');
    symlinkSync(trap, `${path}.keybridge-${process.pid}.tmp`);
    connectFile('codex-provider', ctx);
    assert.equal(readFileSync(trap, 'utf8'), '', 'the token did not land in the planted file');
    assert.ok(!lstatSync(path).isSymbolicLink(), 'config.toml is still a file of its own');
    assert.match(readFileSync(path, 'utf8'), /experimental_bearer_token = "kb-disk-token"/);
  });

  it('does not write a file that does not parse', () => {
    mkdirSync(join(home, '.codex'));
    const path = join(home, '.codex', 'config.toml');
    writeFileSync(path, 'model = "gpt-5\n');
    assert.throws(() => connectFile('codex-provider', ctx), /left untouched/);
    assert.equal(readFileSync(path, 'utf8'), 'model = "gpt-5\n');
  });
});
