import { wireArray, type Wire } from './wire';

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
