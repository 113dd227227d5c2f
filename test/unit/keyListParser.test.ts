// Guards the parser behind Add Keys from File / from Clipboard: a `.env` or a pasted block must yield exactly
// the keys of the pool's provider — every common way of writing a line read, everything else (comments, other
// settings, prose, other providers' keys, keys already in the pool, repeats) left out and named by line only.
// Key-shaped test values are split after their prefix, so no literal in the repository looks like a real key.
import assert from 'node:assert/strict';
import { describeSkipped, parseKeyLines, selectKeyCandidates } from '../../src/core/keys/keyListParser';
import { fingerprintSecret } from '../../src/core/secrets';

const OPENAI_1 = 'sk-test-key-openai-one-1111';
const OPENAI_2 = 'sk-test-key-openai-two-2222';
const OPENAI_3 = 'sk-test-key-openai-three-3333';
const ANTHROPIC = 'sk-ant-test-key-anthropic-4444';
const GROQ = 'gsk_' + 'eeeeeeeeeeeeeeeeeeeeeeee5555';

const openaiRules = { keyPrefixes: ['sk-'], foreignPrefixes: ['sk-ant-', 'sk-or-', 'gsk_', 'xai-', 'AIza'], inPool: new Set<string>() };
const anyShape = { keyPrefixes: [], inPool: new Set<string>() };

describe('key list parser', () => {
  it('reads NAME=value, export NAME="value", quotes, bare lines, comments, blank lines and CRLF', () => {
    const text = [
      '# OpenAI keys for the team',
      '',
      `OPENAI_API_KEY=${OPENAI_1}`,
      `export OPENAI_KEY_2="${OPENAI_2}"   # the spare one`,
      `OPENAI_KEY_3 = '${OPENAI_3}'`,
      `  ${OPENAI_1}  `,
      '   # indented comment',
      `BACKTICK=\`${OPENAI_2}\``,
      `INLINE=${OPENAI_3} # a comment after a space`,
    ].join('\r\n');
    assert.deepEqual(parseKeyLines(text), [
      { line: 3, name: 'OPENAI_API_KEY', value: OPENAI_1 },
      { line: 4, name: 'OPENAI_KEY_2', value: OPENAI_2 },
      { line: 5, name: 'OPENAI_KEY_3', value: OPENAI_3 },
      { line: 6, value: OPENAI_1 },
      { line: 8, name: 'BACKTICK', value: OPENAI_2 },
      { line: 9, name: 'INLINE', value: OPENAI_3 },
    ]);
  });

  it('keeps a # inside quotes, drops a BOM, an empty value and lone \\r line ends', () => {
    assert.deepEqual(parseKeyLines(`\uFEFFA="abc#def0123456789xyz"\rB=\rC=""\n`), [{ line: 1, name: 'A', value: 'abc#def0123456789xyz' }]);
  });

  it('splits a bare line holding several keys separated by spaces or commas', () => {
    assert.deepEqual(
      parseKeyLines(`${OPENAI_1}, ${OPENAI_2}\n"${OPENAI_3}"`).map((e) => [e.line, e.value]),
      [
        [1, OPENAI_1],
        [1, OPENAI_2],
        [2, OPENAI_3],
      ],
    );
  });

  it('keeps only the values shaped like keys of the pool’s provider, and says why for each other line', () => {
    const text = [
      'Here are the keys you asked for:', // prose: words too short to be keys
      `OPENAI_API_KEY=${OPENAI_1}`,
      `ANTHROPIC_API_KEY=${ANTHROPIC}`, // starts with sk- but is an Anthropic key
      `GROQ_API_KEY=${GROQ}`,
      'DATABASE_URL=postgres://user:secret@localhost:5432/app',
      'NODE_ENV=production',
      'KEYBRIDGE_TOKEN=kb-abcdefghijklmnopqrstuvwxyz012345',
      'see https://platform.openai.com/api-keys',
      'sk-0123456789', // too short
      `PADDED=sk-test-key-${'x'.repeat(600)}`, // too long
    ].join('\n');
    const { candidates, skipped } = selectKeyCandidates(parseKeyLines(text), openaiRules);
    assert.deepEqual(candidates, [{ line: 2, name: 'OPENAI_API_KEY', secret: OPENAI_1 }]);
    const why = skipped.map((s) => `${s.line} ${s.reason}`);
    assert.ok(why.includes('3 another provider') && why.includes('4 another provider'), why.join(', '));
    assert.ok(why.includes('5 not a key') && why.includes('6 not a key') && why.includes('9 not a key') && why.includes('10 not a key'), why.join(', '));
    assert.ok(why.includes('7 KeyBridge token'), why.join(', '));
    assert.ok(why.filter((w) => w.startsWith('1 ')).every((w) => w === '1 not a key'));
    assert.ok(why.filter((w) => w.startsWith('8 ')).every((w) => w === '8 not a key'));
  });

  it('for a provider without a key prefix takes key-shaped values of credential-named variables and bare lines', () => {
    const text = ['MISTRAL_API_KEY=AbCdEfGh0123456789xyzWQ', 'BUILD_ID=20240101abcdef0123456', 'MY_TOKEN=zz0123456789ZZZZZZZZ', 'Qq0123456789qqqqqqqqQQ', '/usr/local/bin:/usr/bin:/bin', 'abcdefghijklmnopqrstuvwxyz'].join('\n');
    const { candidates, skipped } = selectKeyCandidates(parseKeyLines(text), anyShape);
    assert.deepEqual(
      candidates.map((c) => c.line),
      [1, 3, 4],
    );
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason]),
      [
        [2, 'not a key'],
        [5, 'not a key'],
        [6, 'not a key'],
      ],
    );
  });

  it('leaves out keys the pool holds (by fingerprint) and keys listed twice, keeping the first', () => {
    const text = [`A=${OPENAI_1}`, `B=${OPENAI_2}`, OPENAI_2, `C=${OPENAI_3}`, OPENAI_3].join('\n');
    const { candidates, skipped } = selectKeyCandidates(parseKeyLines(text), { ...openaiRules, inPool: new Set([fingerprintSecret(OPENAI_1)]) });
    assert.deepEqual(
      candidates.map((c) => [c.line, c.name]),
      [
        [2, 'B'],
        [4, 'C'],
      ],
    );
    assert.deepEqual(
      skipped.map((s) => [s.line, s.reason]),
      [
        [1, 'already in the pool'],
        [3, 'listed twice'],
        [5, 'listed twice'],
      ],
    );
  });

  it('an Anthropic pool takes sk-ant- keys and leaves OpenAI ones', () => {
    const { candidates } = selectKeyCandidates(parseKeyLines(`${OPENAI_1}\n${ANTHROPIC}`), { keyPrefixes: ['sk-ant-'], foreignPrefixes: ['sk-'], inPool: new Set() });
    assert.deepEqual(
      candidates.map((c) => c.secret),
      [ANTHROPIC],
    );
  });

  it('names skipped lines by number and reason, never by value', () => {
    const text = ['x', OPENAI_1, OPENAI_1, `ANTHROPIC=${ANTHROPIC}`, ...Array.from({ length: 8 }, (_, i) => `N${i}=short`)].join('\n');
    const { skipped } = selectKeyCandidates(parseKeyLines(text), openaiRules);
    const said = describeSkipped(skipped);
    assert.equal(said, '9 not a key (lines 1, 5, 6, 7, 8, 9, …); 1 listed twice (line 3); 1 another provider (line 4)');
    for (const secret of [OPENAI_1, ANTHROPIC]) assert.ok(!said.includes(secret.slice(3, 15)));
  });
});
