/** Request bodies, serialised once: every side is sent the very same bytes. */

export const OPENAI_MODEL = 'gpt-bench';
export const ANTHROPIC_MODEL = 'claude-bench';
/** Routed by the bridge config to the pool whose keys the failover workload rate-limits. */
export const FAILOVER_MODEL = 'failover-bench';
/** Routed by the bridge config to an OpenAI-protocol pool: the Anthropic request is translated to Chat and back. */
export const TRANSLATED_MODEL = 'translated-bench';
/** Routed to the pool whose provider key always stalls after the first events (open streams for the memory probe). */
export const STALL_MODEL = 'stall-bench';

type Message = { role: 'user' | 'assistant'; content: string };

export function openaiBody(options: { stream?: boolean; model?: string; messages?: Message[] } = {}): Buffer {
  const body: Record<string, unknown> = {
    model: options.model ?? OPENAI_MODEL,
    messages: [{ role: 'system', content: 'You are a coding agent.' }, ...(options.messages ?? [{ role: 'user', content: 'Say hello.' }])],
    max_tokens: 256,
  };
  if (options.stream) body.stream = true;
  return Buffer.from(JSON.stringify(body));
}

export function anthropicBody(options: { stream?: boolean; model?: string; messages?: Message[] } = {}): Buffer {
  const body: Record<string, unknown> = {
    model: options.model ?? ANTHROPIC_MODEL,
    max_tokens: 256,
    system: 'You are a coding agent.',
    messages: options.messages ?? [{ role: 'user', content: 'Say hello.' }],
  };
  if (options.stream) body.stream = true;
  return Buffer.from(JSON.stringify(body));
}

/** A slice of an agent's context: source text with quotes, escapes, indentation and a little non-ASCII. */
function contextChunk(i: number): string {
  return [
    `// file src/module${i}.ts — “context” chunk ${i}`,
    `export function handler${i}(input: string): string {`,
    `  const parts = input.split("\\n").map((line) => line.trim());`,
    `  if (parts.length > ${i % 97}) return \`too many: \${parts.length}\`;`,
    `  return JSON.stringify({ ok: true, tab: "\\t", quote: "\\"", n: ${i} });`,
    '}',
    '',
  ].join('\n');
}

/**
 * A conversation whose serialised body is `bytes` long (within a few bytes):
 * many turns of tool output, as agents send after reading files.
 */
export function bigConversation(bytes: number, build: (messages: Message[]) => Buffer): Buffer {
  const messages: Message[] = [];
  let i = 0;
  let body = build(messages);
  while (body.length < bytes) {
    const role = messages.length % 2 === 0 ? 'user' : 'assistant';
    let content = '';
    for (let k = 0; k < 4; k++) content += contextChunk(i++);
    messages.push({ role, content });
    body = build(messages);
    if (body.length > bytes) {
      // Trim the last turn to land on the size asked for.
      const last = messages[messages.length - 1];
      const over = body.length - bytes;
      last.content = last.content.slice(0, Math.max(0, last.content.length - over));
      body = build(messages);
      while (body.length > bytes && last.content.length > 0) {
        last.content = last.content.slice(0, -1);
        body = build(messages);
      }
      break;
    }
  }
  if (messages.length % 2 === 0) {
    // Conversations end with the user's turn.
    messages.push({ role: 'user', content: 'Continue.' });
    body = build(messages);
  }
  return body;
}
