// Guards how keys tested before they are added read in the quick pick: each verdict in words, the valid ones
// (accepted, or accepted but rate-limited) checked, the rest not; the key masked; the provider's text sanitised.
import assert from 'node:assert/strict';
import type { CandidateResult } from '../../src/core/engine/candidateKeyTests';
import { candidateItems, keyTrialItems, labelsFor } from '../../src/core/presentation/keyTrialPresentation';

const KEY = 'sk-test-key-trial-9999';
const result = (outcome: CandidateResult['outcome'], message = ''): CandidateResult => ({ outcome, message, latencyMs: 41.6 });

describe('key trial presentation', () => {
  it('checks the keys the provider accepted, rate-limited ones included, and says why the others are not', () => {
    const outcomes: CandidateResult[] = [
      result('ok', 'OK (HTTP 200)'),
      result('rate_limited', 'accepted but rate-limited (HTTP 429)'),
      result('invalid', 'HTTP 401 invalid_api_key'),
      result('exhausted', 'HTTP 429 insufficient_quota'),
      result('unavailable', 'provider unavailable (HTTP 503)'),
      result('unreachable', `provider unreachable (ECONNREFUSED) while sending ${KEY}\u0007`),
    ];
    const items = keyTrialItems(
      outcomes.map((_, i) => ({ line: i + 1, secret: KEY })),
      outcomes,
    );
    assert.deepEqual(
      items.map((i) => [i.label, i.picked, i.description]),
      [
        ['$(pass) sk-…9999', true, 'ok · 42 ms'],
        ['$(watch) sk-…9999', true, 'rate-limited (key accepted) · 42 ms'],
        ['$(error) sk-…9999', false, 'invalid · HTTP 401 invalid_api_key · 42 ms'],
        ['$(warning) sk-…9999', false, 'out of quota · HTTP 429 insufficient_quota · 42 ms'],
        ['$(warning) sk-…9999', false, 'provider error · provider unavailable (HTTP 503) · 42 ms'],
        ['$(debug-disconnect) sk-…9999', false, 'unreachable · provider unreachable (ECONNREFUSED) while sending sk-…9999 · 42 ms'],
      ],
    );
    assert.deepEqual(
      items.map((i) => i.index),
      [0, 1, 2, 3, 4, 5],
    );
  });

  it('before any test, ticks only the keys a name or an own prefix marks, and says why the others wait for a tick', () => {
    const candidates = [
      { line: 1, name: 'DEEPSEEK_API_KEY', secret: KEY, evidence: 'name' as const },
      { line: 2, secret: 'gsk_test-key-trial-8888', evidence: 'prefix' as const },
      { line: 3, secret: KEY, sharedPrefix: { prefix: 'sk-', with: ['OpenAI'] } },
      { line: 4, name: 'SERVICE_TOKEN', secret: 'test-key-trial-7777' },
      { line: 5, secret: 'test-key-trial-6666' },
    ];
    assert.deepEqual(
      candidateItems(candidates, 'DeepSeek').map((i) => [i.label, i.picked, i.description, i.detail]),
      [
        ['sk-…9999', true, 'named for DeepSeek', 'line 1 · DEEPSEEK_API_KEY'],
        ['…8888', true, "shaped as DeepSeek's keys are", 'line 2'],
        ['sk-…9999', false, "unticked: sk- keys are also OpenAI's; tick only if it is DeepSeek's", 'line 3'],
        ['…7777', false, "unticked: SERVICE_TOKEN names no provider; tick only if it is DeepSeek's", 'line 4 · SERVICE_TOKEN'],
        ['…6666', false, "unticked: nothing names its provider; tick only if it is DeepSeek's", 'line 5'],
      ],
    );
    assert.equal(
      candidateItems([candidates[4]], undefined)[0].description,
      'unticked: nothing names its provider; tick only if it is issued for this base URL',
    );
  });

  it('labels a key with its variable name only when no other key of the list has it', () => {
    assert.deepEqual(
      labelsFor([
        { line: 1, name: 'WORK', secret: KEY },
        { line: 2, name: 'KEY', secret: KEY },
        { line: 3, name: 'KEY', secret: KEY },
        { line: 4, secret: KEY },
      ]),
      ['WORK', undefined, undefined, undefined],
    );
  });
});
