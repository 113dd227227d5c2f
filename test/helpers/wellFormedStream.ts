import assert from 'node:assert/strict';
import type { SseEvent } from '../../src/core/protocols/sse';
import type { StreamEndpoint } from './continuationFixtures';
import { arrAt, at, numAt, parseJson } from './json';
import { must } from './must';

function json(event: SseEvent): unknown {
  return parseJson(must(event.data));
}

/**
 * Checks what a client received is one well-formed answer: exactly one terminal event and it comes last,
 * Anthropic blocks opened in index order and closed once, deltas only to the open block; Responses sequence
 * numbers 0, 1, 2…, one response id, items added in output_index order, ending with `responsesTerminal`; Chat chunks of
 * one id and model.
 */
export function assertWellFormed(
  endpoint: StreamEndpoint,
  events: SseEvent[],
  responsesTerminal: 'response.completed' | 'response.incomplete' = 'response.completed',
): void {
  const real = events.filter((e) => e.data !== undefined);
  if (endpoint === 'messages') {
    assert.equal(real.filter((e) => e.name === 'message_stop').length, 1, 'one message_stop');
    assert.equal(must(real.at(-1)).name, 'message_stop', 'message_stop comes last');
    assert.equal(real.filter((e) => e.name === 'error').length, 0, 'no error event');
    assert.equal(real.filter((e) => e.name === 'message_start').length, 1, 'one message_start');
    assert.equal(real.filter((e) => e.name === 'message_delta').length, 1, 'one message_delta');
    let next = 0;
    let open: number | undefined;
    for (const e of real) {
      if (e.name === 'content_block_start') {
        assert.equal(open, undefined, 'a block starts only once the previous one stopped');
        assert.equal(at(json(e), 'index'), next++, 'blocks start in index order');
        open = numAt(json(e), 'index');
      } else if (e.name === 'content_block_delta') {
        assert.equal(at(json(e), 'index'), open, 'deltas go to the open block');
      } else if (e.name === 'content_block_stop') {
        assert.equal(at(json(e), 'index'), open, 'the open block stops');
        open = undefined;
      }
    }
    assert.equal(open, undefined, 'every block stopped');
  } else if (endpoint === 'chat') {
    assert.equal(real.filter((e) => e.data === '[DONE]').length, 1, 'one [DONE]');
    assert.equal(must(real.at(-1)).data, '[DONE]', '[DONE] comes last');
    const chunks = real.slice(0, -1).map(json);
    assert.ok(
      chunks.every((c) => at(c, 'error') === undefined),
      'no error chunk',
    );
    assert.equal(new Set(chunks.map((c) => at(c, 'id'))).size, 1, 'one completion id');
    assert.equal(new Set(chunks.map((c) => at(c, 'model'))).size, 1, 'one model');
    assert.equal(chunks.filter((c) => arrAt(c, 'choices').some((ch) => Boolean(at(ch, 'finish_reason')))).length, 1, 'one finish_reason');
    assert.ok(
      at(chunks[0], 'choices', 0, 'delta', 'role') === 'assistant' &&
        chunks.slice(1).every((c) => arrAt(c, 'choices').every((ch) => at(ch, 'delta', 'role') === undefined)),
      'the role once, first',
    );
  } else {
    const terminal = real.filter((e) => ['response.completed', 'response.incomplete', 'response.failed', 'error'].includes(e.name));
    assert.equal(terminal.length, 1, 'one terminal event');
    assert.equal(must(real.at(-1)).name, responsesTerminal, `${responsesTerminal} comes last`);
    assert.deepEqual(
      real.map((e) => at(json(e), 'sequence_number')),
      real.map((_, i) => i),
      'sequence numbers 0, 1, 2…',
    );
    const ids = new Set(real.filter((e) => Boolean(at(json(e), 'response'))).map((e) => at(json(e), 'response', 'id')));
    assert.equal(ids.size, 1, 'one response id');
    const added = real.filter((e) => e.name === 'response.output_item.added').map((e) => at(json(e), 'output_index'));
    assert.deepEqual(
      added,
      added.map((_, i) => i),
      'items added in output_index order',
    );
    const addedIds = real.filter((e) => e.name === 'response.output_item.added').map((e) => at(json(e), 'item', 'id'));
    assert.equal(new Set(addedIds).size, addedIds.length, 'each item added once');
  }
}
