import { isCarriedReasoning } from '../conversation/reasoningCarry';
import { asWire, wireArray, type Wire } from './wire';

/**
 * Anthropic's answer to a thinking block whose signature it did not make, e.g. "messages.1.content.0: Invalid
 * `signature` in `thinking` block". Thinking blocks are signed per provider and account, so history from
 * another key's account or another provider is refused this way after a failover.
 */
export function isThinkingSignatureError(status: number, body: string): boolean {
  return status === 400 && /signature/i.test(body) && /thinking/i.test(body);
}

/**
 * The request without its thinking history, or undefined when it has none. The `thinking` setting goes too:
 * with thinking on, Anthropic wants the assistant turn of an unfinished tool loop to start with its thinking
 * block, which is what was taken out.
 */
export function withoutThinking(request: Wire): Wire | undefined {
  const original = wireArray(request.messages);
  const messages = original.map((message) => {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) return message;
    const content = wireArray(message.content).filter((block) => block.type !== 'thinking' && block.type !== 'redacted_thinking');
    if (content.length === (message.content as unknown[]).length) return message;
    // An assistant turn that held only thinking would be empty, which the API refuses.
    return { ...message, content: content.length > 0 ? content : [{ type: 'text', text: '(thinking omitted)' }] };
  });
  if (messages.every((message, i) => message === original[i])) return undefined;
  const out: Wire = { ...request, messages };
  delete out.thinking;
  return out;
}

/**
 * Whether the request holds reasoning our carrier took through the client: what withoutCarriedReasoning takes out.
 * It walks the turns, not the text, once, on the parse routing makes anyway: on a 600 kB history of 300 turns the
 * walk took 10 µs, a search of the body's bytes for the carrier's mark 75 µs on every attempt.
 */
export function holdsCarriedReasoning(request: Wire): boolean {
  if (Array.isArray(request.messages)) {
    for (const message of request.messages as unknown[]) {
      const turn = asWire(message);
      if (turn?.role !== 'assistant' || !Array.isArray(turn.content)) continue;
      // Only a thinking block has a signature.
      for (const block of turn.content as unknown[]) if (isCarriedReasoning(asWire(block)?.signature)) return true;
    }
  }
  // Only a reasoning item has encrypted_content.
  return Array.isArray(request.input) && (request.input as unknown[]).some((item) => isCarriedReasoning(asWire(item)?.encrypted_content));
}

/**
 * The request without the reasoning our carrier took through the client for a Chat provider (a `thinking` block
 * signed with it, a Responses `reasoning` item whose `encrypted_content` it is), or undefined when it has none.
 * A relay to the client's own protocol sends the rest as it came: Anthropic and OpenAI would refuse a signature
 * they did not make. When anything was taken out and the last assistant turn does not start with thinking (ours
 * was taken from it, or it was answered after an earlier request went without thinking), the `thinking` setting
 * goes too: Anthropic wants an unfinished tool loop's turn to start with its thinking block.
 */
export function withoutCarriedReasoning(request: Wire): Wire | undefined {
  let changed = false;
  const out: Wire = { ...request };
  if (Array.isArray(request.messages)) {
    const messages = wireArray(request.messages);
    const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
    const kept = messages.map((message) => {
      if (message.role !== 'assistant' || !Array.isArray(message.content)) return message;
      // Only a thinking block has a signature.
      const content = wireArray(message.content).filter((block) => !isCarriedReasoning(block.signature));
      if (content.length === (message.content as unknown[]).length) return message;
      return { ...message, content: content.length > 0 ? content : [{ type: 'text', text: '(thinking omitted)' }] };
    });
    out.messages = kept;
    // Anthropic wants the last assistant turn to start with its thinking while thinking is on: one that does not
    // (ours stripped now, or a turn answered after an earlier strip turned thinking off) turns it off again. Only
    // assistant turns are stripped, so when any was, there is a last one.
    if (kept.some((message, at) => message !== messages[at])) {
      changed = true;
      const first = wireArray(kept[lastAssistant].content).at(0);
      if (first?.type !== 'thinking' && first?.type !== 'redacted_thinking') delete out.thinking;
    }
  }
  if (Array.isArray(request.input)) {
    const input = request.input as unknown[];
    // Only a reasoning item has encrypted_content.
    const kept = input.filter((item) => !isCarriedReasoning(asWire(item)?.encrypted_content));
    if (kept.length !== input.length) {
      changed = true;
      out.input = kept;
    }
  }
  return changed ? out : undefined;
}
