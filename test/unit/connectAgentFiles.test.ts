// Guards the file I/O of Connect Agents on a real disk (a temporary HOME): a file it creates holds the local
// token and is private (0600); Disconnect deletes it with the folders it created and nothing else; an existing
// file keeps its mode and a symlinked dotfile stays a link; a file that does not parse is not written at all.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectFile, currentFileState, disconnectFile, refreshFile } from '../../src/core/agents/agentFiles';
import type { ConnectContext } from '../../src/core/agents/connectTargets';

describe('Connect Agents: files on disk', () => {
  let home: string;
  let ctx: ConnectContext;

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cn-home-'));
    ctx = { baseUrls: { openai: 'http://127.0.0.1:17381/openai/v1', anthropic: 'http://127.0.0.1:17381/anthropic' }, token: 'kb-disk-token', home };
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

  it('keeps an existing file’s mode and restores it byte for byte', () => {
    mkdirSync(join(home, '.claude'));
    const path = join(home, '.claude', 'settings.json');
    const before = '{\n  "model": "opus"\n}';
    writeFileSync(path, before);
    chmodSync(path, 0o640);
    const connected = connectFile('claude-settings', ctx);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    const moved = { ...ctx, token: 'kb-rotated' };
    assert.equal(currentFileState(connected.record, moved), 'outdated');
    const record = refreshFile(connected.record, moved);
    assert.match(readFileSync(path, 'utf8'), /kb-rotated/);
    assert.equal(disconnectFile(record, connected.previous), 'restored');
    assert.equal(readFileSync(path, 'utf8'), before);
    assert.ok(existsSync(join(home, '.claude')), 'a folder that was there stays');
  });

  it('writes through a symlinked dotfile and leaves the link a link', () => {
    const real = join(home, 'dotfiles-settings.json');
    writeFileSync(real, '{}\n');
    mkdirSync(join(home, '.claude'));
    symlinkSync(real, join(home, '.claude', 'settings.json'));
    const connected = connectFile('claude-settings', ctx);
    assert.ok(lstatSync(join(home, '.claude', 'settings.json')).isSymbolicLink());
    assert.match(readFileSync(real, 'utf8'), /ANTHROPIC_AUTH_TOKEN/);
    disconnectFile(connected.record, connected.previous);
    assert.equal(readFileSync(real, 'utf8'), '{}\n');
  });

  it('does not write a file that does not parse', () => {
    mkdirSync(join(home, '.codex'));
    const path = join(home, '.codex', 'config.toml');
    writeFileSync(path, 'model = "gpt-5\n');
    assert.throws(() => connectFile('codex-provider', ctx), /left untouched/);
    assert.equal(readFileSync(path, 'utf8'), 'model = "gpt-5\n');
  });
});
