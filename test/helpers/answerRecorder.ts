import type { AnswerSink } from '../../src/core/conversation/answerEvents';

/** One call an answer reader made on its sink: the method's name (shortened where noted) and its arguments. */
export type AnswerEvent = [string, ...unknown[]];

/**
 * A sink that writes down every call it gets, nothing more, for the tests of the answer readers: the events are
 * the answer model. `reasoningSignature` is written down as 'signature' and `toolArguments` as 'arguments'.
 */
export function answerRecorder(): { sink: AnswerSink; events: AnswerEvent[] } {
  const events: AnswerEvent[] = [];
  const sink: AnswerSink = {
    start: (id, model) => events.push(['start', id, model]),
    text: (delta) => events.push(['text', delta]),
    refusal: (delta) => events.push(['refusal', delta]),
    reasoning: (delta) => events.push(['reasoning', delta]),
    reasoningSignature: (signature) => events.push(['signature', signature]),
    toolCall: (id, name, thoughtSignature) => events.push(['toolCall', id, name, thoughtSignature]),
    toolArguments: (delta) => events.push(['arguments', delta]),
    blockEnd: () => events.push(['blockEnd']),
    usage: (usage) => events.push(['usage', usage]),
    finish: (reason) => events.push(['finish', reason]),
    other: (what) => events.push(['other', what]),
  };
  return { sink, events };
}
