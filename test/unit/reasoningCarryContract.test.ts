// The shared contract of conversation/reasoningCarry.ts: the carrier of a Chat provider's reasoning state through
// another protocol's client comes back only as it went, is told apart from a provider's own signature, and never
// decodes from anything else; tool-call ids are made fit for Anthropic the same way every time.
import assert from 'node:assert/strict';
import { anthropicToolId, decodeCarriedReasoning, encodeCarriedReasoning, isCarriedReasoning } from '../../src/core/conversation/reasoningCarry';

describe('carried reasoning (shared contract)', () => {
  it('round-trips what it carries, and names the dialect it is for', () => {
    const carried = { dialect: 'gemini' as const, thoughtSignatures: { call_1: 'sig-a', 'functions.Bash:0': 'sig-b' } };
    const signature = encodeCarriedReasoning(carried);
    assert.ok(isCarriedReasoning(signature));
    assert.deepEqual(decodeCarriedReasoning(signature), carried);
    assert.deepEqual(decodeCarriedReasoning(encodeCarriedReasoning({ dialect: 'deepseek' })), { dialect: 'deepseek' });
  });

  it('is never mistaken for a provider’s own signature, nor decoded from one or from junk', () => {
    for (const other of ['EqQBCkgIARABGAIiQL', '', 'kbr1.', 'kbr1.not-base64-json', 42, undefined, null]) {
      assert.equal(decodeCarriedReasoning(other), undefined, String(other));
    }
    assert.equal(isCarriedReasoning('EqQBCkgIARABGAIiQL'), false);
    const withJunk = `kbr1.${Buffer.from(JSON.stringify({ dialect: 'gemini', thoughtSignatures: { a: 'x', b: 7 } })).toString('base64url')}`;
    assert.deepEqual(decodeCarriedReasoning(withJunk), { dialect: 'gemini', thoughtSignatures: { a: 'x' } }, 'only string signatures are kept');
    const payload = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    assert.deepEqual(decodeCarriedReasoning(`kbr1.${payload({ dialect: 'deepseek', thoughtSignatures: null })}`), { dialect: 'deepseek' });
    for (const value of [null, 'deepseek', ['deepseek'], { dialect: 'acme' }, { dialect: 7 }]) {
      assert.equal(decodeCarriedReasoning(`kbr1.${payload(value)}`), undefined, JSON.stringify(value));
    }
    // A provider's own signature that happens to be as long as our prefix and base64 after it.
    assert.equal(decodeCarriedReasoning(`EqQB.${payload({ dialect: 'deepseek' })}`), undefined);
    for (const other of [undefined, 42, 'EqQB.kbr1.']) assert.equal(isCarriedReasoning(other), false, String(other));
  });

  it('makes tool-call ids fit Anthropic’s pattern, the same way every time', () => {
    assert.equal(anthropicToolId('toolu_01AbC-d'), 'toolu_01AbC-d');
    assert.equal(anthropicToolId('functions.Bash:0'), 'functions_Bash_0');
    assert.equal(anthropicToolId('a'), 'a');
    assert.equal(anthropicToolId('call:1/2 é'), 'call_1_2__');
    assert.equal(anthropicToolId('functions.Bash:0'), anthropicToolId('functions.Bash:0'));
    assert.match(anthropicToolId(''), /^[a-zA-Z0-9_-]+$/);
  });
});
