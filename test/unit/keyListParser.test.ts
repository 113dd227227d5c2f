// Guards the parser behind Add Keys from File / from Clipboard: a `.env` or a pasted block must yield exactly
// the keys that may be the pool provider's — every common way of writing a line read, everything else (comments,
// other settings, prose, other providers' and services' credentials, keys already in the pool, repeats) left out
// and named by line only — and say which of them something marks as the provider's (issue 19: an OpenAI key sent
// to DeepSeek's host, GITHUB_TOKEN and AWS keys to a Mistral pool). Every key here is obviously fake.
import assert from 'node:assert/strict';
import { PROVIDER_KEY_ISSUERS } from '../../src/core/keys/keyIssuers';
import { describeSkipped, parseKeyLines, selectKeyCandidates } from '../../src/core/keys/keyListParser';
import { fingerprintSecret } from '../../src/core/secrets';

const OPENAI_1 = 'sk-test-open-one-1111';
const OPENAI_2 = 'sk-test-open-two-2222';
const OPENAI_3 = 'sk-test-open-thre-3333';
const ANTHROPIC = 'sk-ant-test-anth-4444';
const GROQ = 'gsk_' + 'eeeeeeeeeeeeeeeeeeeeeeee5555';

const openaiRules = { provider: PROVIDER_KEY_ISSUERS.openai, inPool: new Set<string>() };
const mistralRules = { provider: PROVIDER_KEY_ISSUERS.mistral, inPool: new Set<string>() };

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
    assert.deepEqual(candidates, [{ line: 2, name: 'OPENAI_API_KEY', secret: OPENAI_1, evidence: 'name' }]);
    const why = skipped.map((s) => `${s.line} ${s.reason}`);
    assert.ok(why.includes('3 another provider') && why.includes('4 another provider'), why.join(', '));
    assert.ok(why.includes('5 not a key') && why.includes('6 not a key') && why.includes('9 not a key') && why.includes('10 not a key'), why.join(', '));
    assert.ok(why.includes('7 KeyBridge token'), why.join(', '));
    assert.ok(why.filter((w) => w.startsWith('1 ')).every((w) => w === '1 not a key'));
    assert.ok(why.filter((w) => w.startsWith('8 ')).every((w) => w === '8 not a key'));
  });

  it('for a provider without a key prefix takes key-shaped values of credential-named variables and bare lines', () => {
    const text = [
      'MISTRAL_API_KEY=AbCdEfGh0123456789xyzWQ',
      'BUILD_ID=20240101abcdef0123456',
      'MY_TOKEN=zz0123456789ZZZZZZZZ',
      'Qq0123456789qqqqqqqqQQ',
      '/usr/local/bin:/usr/bin:/bin',
      'abcdefghijklmnopqrstuvwxyz',
    ].join('\n');
    const { candidates, skipped } = selectKeyCandidates(parseKeyLines(text), mistralRules);
    assert.deepEqual(
      candidates.map((c) => [c.line, c.evidence]),
      [
        [1, 'name'],
        [3, undefined],
        [4, undefined],
      ],
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
    const { candidates } = selectKeyCandidates(parseKeyLines(`${OPENAI_1}\n${ANTHROPIC}`), { provider: PROVIDER_KEY_ISSUERS.anthropic, inPool: new Set() });
    assert.deepEqual(
      candidates.map((c) => c.secret),
      [ANTHROPIC],
    );
  });

  describe('which pool a credential may go to', () => {
    // OpenAI's and DeepSeek's keys share `sk-`: only the variable's name or OpenAI's own heads tell them apart.
    const OPENAI_NAMED = 'sk-test-open-name-0001';
    const OPENAI_PROJECT = 'sk-proj-test-open-0002';
    const DEEPSEEK_NAMED = 'sk-test-deep-name-0003';
    const BARE_SK = 'sk-test-bare-whos-0004';
    const GENERIC_SK = 'sk-test-gene-name-0005';
    const SHARED_ENV = [
      `OPENAI_API_KEY=${OPENAI_NAMED}`,
      OPENAI_PROJECT,
      `DEEPSEEK_API_KEY=${DEEPSEEK_NAMED}`,
      BARE_SK,
      `API_KEY=${GENERIC_SK}`,
      `AZURE_OPENAI_API_KEY=sk-test-key-azure-0006`,
    ].join('\n');
    const offered = (text: string, provider?: (typeof PROVIDER_KEY_ISSUERS)[keyof typeof PROVIDER_KEY_ISSUERS]) => {
      const { candidates, skipped } = selectKeyCandidates(parseKeyLines(text), { provider, inPool: new Set() });
      return {
        offered: candidates.map((c) => [c.secret, c.evidence ?? c.sharedPrefix ?? 'unsure']),
        left: skipped.map((s) => `${s.line} ${s.name ?? ''} ${s.reason}`.replace('  ', ' ')),
      };
    };

    it('a DeepSeek pool is never offered an OpenAI key, by name or by OpenAI’s own prefix, and ticks only what names DeepSeek', () => {
      assert.deepEqual(offered(SHARED_ENV, PROVIDER_KEY_ISSUERS.deepseek), {
        offered: [
          [DEEPSEEK_NAMED, 'name'],
          [BARE_SK, { prefix: 'sk-', with: ['OpenAI'] }],
          [GENERIC_SK, { prefix: 'sk-', with: ['OpenAI'] }],
        ],
        left: ['1 OPENAI_API_KEY another provider', '2 another provider', '6 AZURE_OPENAI_API_KEY another provider'],
      });
    });

    it('an OpenAI pool is never offered a DeepSeek key, and ticks what its name or its project prefix marks', () => {
      assert.deepEqual(offered(SHARED_ENV, PROVIDER_KEY_ISSUERS.openai), {
        offered: [
          [OPENAI_NAMED, 'name'],
          [OPENAI_PROJECT, 'prefix'],
          [BARE_SK, { prefix: 'sk-', with: ['DeepSeek'] }],
          [GENERIC_SK, { prefix: 'sk-', with: ['DeepSeek'] }],
        ],
        // An Azure OpenAI key is not OpenAI's: a name that names another issuer wins.
        left: ['3 DEEPSEEK_API_KEY another provider', '6 AZURE_OPENAI_API_KEY another provider'],
      });
    });

    // A project's .env as it comes: the pool's key among cloud, VCS, payment, chat and database credentials.
    const PROJECT_ENV = [
      'MISTRAL_API_KEY=test-key-mistral-0001-abcdef',
      'GITHUB_TOKEN=ghp_test-key-github-0002',
      'GH_PAT=test-key-gh-pat-0003-abcdef',
      'AWS_ACCESS_KEY_ID=AKIATESTKEY000000004',
      'AWS_SECRET_ACCESS_KEY=test-key-aws-secret-0005-abcdef',
      'DATABASE_URL=postgres://app:test-password-0006@localhost:5432/app',
      'DB_PASSWORD=test-password-db-0007',
      'STRIPE_SECRET_KEY=sk_live_test-key-stripe-0008',
      'PAYMENTS_KEY=sk_test_test-key-stripe-0009',
      'SLACK_BOT_TOKEN=xoxb-test-key-slack-0010',
      'GITLAB_TOKEN=glpat-test-key-gitlab-0011',
      `OPENAI_API_KEY=${OPENAI_NAMED}`,
      `ANTHROPIC_API_KEY=${ANTHROPIC}`,
      `GROQ_API_KEY=${GROQ}`,
      'SUPABASE_SERVICE_ROLE_KEY=eyJtest-key-jwt-0015.abcdef.ghijkl',
      'ghp_test-key-github-bare-0016',
      'test-key-aws-secret-0005-abcdef', // the AWS secret again, on a bare line
      'SERVICE_TOKEN=test-key-unknown-0018-abcdef',
    ].join('\n');
    const PROJECT_LEFT = [
      '2 GITHUB_TOKEN another service',
      '3 GH_PAT another service',
      '4 AWS_ACCESS_KEY_ID another service',
      '5 AWS_SECRET_ACCESS_KEY another service',
      '6 DATABASE_URL not a key',
      '7 DB_PASSWORD another service',
      '8 STRIPE_SECRET_KEY another service',
      '9 PAYMENTS_KEY another service',
      '10 SLACK_BOT_TOKEN another service',
      '11 GITLAB_TOKEN another service',
      '12 OPENAI_API_KEY another provider',
      '13 ANTHROPIC_API_KEY another provider',
      '14 GROQ_API_KEY another provider',
      '15 SUPABASE_SERVICE_ROLE_KEY another service',
      '16 another service',
      '17 another service',
    ];

    it('a pool whose provider has no key prefix gets its named key ticked, an unknown credential unticked, and no one else’s', () => {
      for (const provider of [PROVIDER_KEY_ISSUERS.mistral, PROVIDER_KEY_ISSUERS.together]) {
        const { offered: got, left } = offered(PROJECT_ENV.replace('MISTRAL_', `${provider.nameWords[0]}_`), provider);
        assert.deepEqual(got, [
          ['test-key-mistral-0001-abcdef', 'name'],
          ['test-key-unknown-0018-abcdef', 'unsure'],
        ]);
        assert.deepEqual(left, PROJECT_LEFT);
      }
      // Mistral's key named for Mistral is Together's to refuse.
      assert.equal(offered(PROJECT_ENV, PROVIDER_KEY_ISSUERS.together).left[0], '1 MISTRAL_API_KEY another provider');
    });

    it('a custom base URL gets nothing ticked: generic sk- keys (a gateway’s) unticked, named and distinct credentials of others left out', () => {
      const { offered: got, left } = offered(`${PROJECT_ENV}\nLITELLM_KEY=${GENERIC_SK}\n${DEEPSEEK_NAMED}`);
      assert.deepEqual(got, [
        ['test-key-unknown-0018-abcdef', 'unsure'],
        [GENERIC_SK, { prefix: 'sk-', with: ['OpenAI', 'DeepSeek'] }],
        [DEEPSEEK_NAMED, { prefix: 'sk-', with: ['OpenAI', 'DeepSeek'] }],
      ]);
      assert.deepEqual(left, ['1 MISTRAL_API_KEY another provider', ...PROJECT_LEFT]);
    });

    it('a Gemini pool takes GOOGLE_API_KEY but not a Maps or Firebase key that shares AIza', () => {
      const key = (n: number) => ['AIza', 'test-key-google-', String(n).padStart(4, '0')].join('');
      assert.deepEqual(
        offered(
          [`GOOGLE_API_KEY=${key(1)}`, `GEMINI_KEY=${key(2)}`, key(3), `GOOGLE_MAPS_API_KEY=${key(4)}`, `FIREBASE_API_KEY=${key(5)}`].join('\n'),
          PROVIDER_KEY_ISSUERS.gemini,
        ),
        {
          offered: [
            [key(1), 'name'],
            [key(2), 'name'],
            [key(3), 'prefix'],
          ],
          left: ['4 GOOGLE_MAPS_API_KEY another service', '5 FIREBASE_API_KEY another service'],
        },
      );
    });
  });

  it('names skipped lines by number and reason, never by value', () => {
    const text = ['x', OPENAI_1, OPENAI_1, `ANTHROPIC=${ANTHROPIC}`, ...Array.from({ length: 8 }, (_, i) => `N${i}=short`)].join('\n');
    const { skipped } = selectKeyCandidates(parseKeyLines(text), openaiRules);
    const said = describeSkipped(skipped);
    assert.equal(said, '9 not a key (lines 1, 5, 6, 7, 8, 9, …); 1 listed twice (line 3); 1 another provider (line 4)');
    for (const secret of [OPENAI_1, ANTHROPIC]) assert.ok(!said.includes(secret.slice(3, 15)));
  });
});
