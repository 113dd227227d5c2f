// The protocol table (src/core/protocols/table.ts, docs/ARCHITECTURE.md §7): client paths resolve by each protocol's
// grammar, each wire format owns its routing fields, terminal events and errors, and a pool's missing format
// (a Chat-only provider) reads as translated.
import assert from 'node:assert/strict';
import { PROTOCOLS } from '../../src/core/config';
import {
  guessProtocol,
  poolTranslatesFor,
  primaryFormat,
  protocolAdapter,
  PROTOCOL_ADAPTERS,
  resolveClientPath,
  wireFormatOf,
} from '../../src/core/protocols/table';
import { emptyUsage } from '../../src/core/protocols/tokenUsage';

describe('protocol table', () => {
  it('resolves the documented client paths and the bare /v1 form by each protocol’s grammar', () => {
    const anthropicHeaders = { 'anthropic-version': '2023-06-01' };
    const cases: [string, Record<string, string>, unknown][] = [
      ['/openai/v1/chat/completions', {}, { protocol: 'openai', endpoint: 'chat', upstreamPath: '/chat/completions' }],
      ['/openai/v1/responses?x=1', {}, { protocol: 'openai', endpoint: 'responses', upstreamPath: '/responses?x=1' }],
      ['/openai/v1/embeddings', {}, { protocol: 'openai', endpoint: 'embeddings', upstreamPath: '/embeddings' }],
      ['/openai/v1/files', {}, { protocol: 'openai', endpoint: 'other', upstreamPath: '/files' }],
      ['/anthropic/v1/messages', {}, { protocol: 'anthropic', endpoint: 'messages', upstreamPath: '/v1/messages' }],
      ['/anthropic/v1/messages/count_tokens', {}, { protocol: 'anthropic', endpoint: 'count_tokens', upstreamPath: '/v1/messages/count_tokens' }],
      ['/anthropic/v1/models?limit=1000', {}, { protocol: 'anthropic', endpoint: 'models', upstreamPath: '/v1/models?limit=1000' }],
      ['/v1/messages', {}, { protocol: 'anthropic', endpoint: 'messages', upstreamPath: '/v1/messages' }],
      ['/v1/models', anthropicHeaders, { protocol: 'anthropic', endpoint: 'models', upstreamPath: '/v1/models' }],
      ['/v1/models', {}, { protocol: 'openai', endpoint: 'models', upstreamPath: '/models' }],
      ['/v1/chat/completions', {}, { protocol: 'openai', endpoint: 'chat', upstreamPath: '/chat/completions' }],
    ];
    for (const [url, headers, expected] of cases) assert.deepEqual(resolveClientPath(url, headers), expected, url);
    for (const url of ['/nope', '/openai/v2/chat', '/openai/v1/../x', '/anthropic/v1//messages']) assert.equal(resolveClientPath(url, {}), undefined, url);
    assert.equal(guessProtocol('/anthropic', {}), 'anthropic');
    assert.equal(guessProtocol('/nope', anthropicHeaders), 'anthropic');
    assert.equal(guessProtocol('/nope', {}), 'openai');
  });

  it('has an entry for every protocol, whose formats resolve back to it by their own paths', () => {
    assert.deepEqual(
      PROTOCOL_ADAPTERS.map((a) => a.protocol),
      [...PROTOCOLS],
    );
    for (const adapter of PROTOCOL_ADAPTERS) {
      assert.equal(protocolAdapter(adapter.protocol), adapter);
      assert.equal(primaryFormat(adapter.protocol), adapter.formats[0]);
      for (const format of adapter.formats) {
        assert.equal(format.protocol, adapter.protocol, format.id);
        assert.equal(wireFormatOf(format.endpoint), format);
        const path = format.requestPath('some-model', false);
        const resolved = resolveClientPath(`${adapter.clientPrefix}${path}`, {});
        assert.deepEqual([resolved?.protocol, resolved?.endpoint, resolved?.upstreamPath], [adapter.protocol, format.endpoint, path]);
      }
    }
    assert.equal(wireFormatOf('models'), undefined, 'a model list is relayed, not a format');
  });

  it('ends a broken stream in each format’s own words', () => {
    const facts = { responseId: 'resp_1', model: 'gpt-x', createdAt: 5, lastSequence: 7 };
    const chat = wireFormatOf('chat')?.terminalStreamError('cut', facts) ?? '';
    assert.match(chat, /^data: \{"error":\{"message":"cut"/);
    assert.ok(chat.endsWith('data: [DONE]\n\n'));
    const responses = wireFormatOf('responses')?.terminalStreamError('cut', facts) ?? '';
    assert.match(responses, /^event: response\.failed\n/);
    assert.match(responses, /"sequence_number":8,"response":\{"id":"resp_1"/);
    assert.match(
      wireFormatOf('messages')?.terminalStreamError('cut', facts) ?? '',
      /^event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"cut"\}\}/,
    );
    assert.equal(protocolAdapter('openai').terminalStreamError('responses', 'cut', facts), responses);
    assert.equal(protocolAdapter('openai').terminalStreamError('other', 'cut', facts), chat);
  });

  it('reads each format’s own token names, and only those', () => {
    const anthropicEvent = '{"type":"message_start","message":{"usage":{"input_tokens":5,"output_tokens":1}}}';
    const chat = emptyUsage();
    wireFormatOf('chat')?.usage.scan(anthropicEvent, chat);
    assert.deepEqual(chat, emptyUsage(), 'Chat Completions names its tokens prompt_ and completion_');
    const messages = emptyUsage();
    wireFormatOf('messages')?.usage.scan(anthropicEvent, messages);
    assert.equal(messages.input, 5);
  });

  it('reads a pool that lacks one of the client protocol’s formats as translated for it', () => {
    assert.equal(poolTranslatesFor('openai', { protocol: 'openai' }), false);
    assert.equal(poolTranslatesFor('openai', { protocol: 'openai', responses: false }), true);
    assert.equal(poolTranslatesFor('anthropic', { protocol: 'openai' }), true);
    assert.equal(poolTranslatesFor('anthropic', { protocol: 'anthropic', responses: false }), false);
  });

  it('names the routing fields each format reads', () => {
    assert.equal(wireFormatOf('responses')?.routing.previousResponse, 'previous_response_id');
    assert.equal(wireFormatOf('chat')?.routing.previousResponse, undefined);
    assert.equal(wireFormatOf('messages')?.routing.model, 'model');
  });
});
