import { asWire, stringOr, wireArray, type Wire } from './wire';

/** The providers' rule of thumb for English text and code: about four characters per token. */
const CHARS_PER_TOKEN = 4;
/** Anthropic's figure for an image at the largest size it keeps without resizing (about 1.15 megapixels). */
const TOKENS_PER_IMAGE = 1_600;

function textTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

function blockTokens(block: Wire): number {
  if (block.type === 'image') return TOKENS_PER_IMAGE;
  if (block.type === 'text') return textTokens(stringOr(block.text, '').length);
  if (block.type === 'tool_use') return textTokens(stringOr(block.name, '').length + JSON.stringify(block.input ?? {}).length);
  if (block.type === 'tool_result') {
    const content = block.content;
    return typeof content === 'string' ? textTokens(content.length) : wireArray(content).reduce((sum, part) => sum + blockTokens(part), 0);
  }
  // Thinking and anything newer: its JSON is a fair measure of what the model reads.
  return textTokens(JSON.stringify(block).length);
}

function partTokens(part: Wire): number {
  if (typeof part.text === 'string') return textTokens(part.text.length);
  if (part.inlineData !== undefined || part.fileData !== undefined) return TOKENS_PER_IMAGE;
  return textTokens(JSON.stringify(part).length);
}

/**
 * What `count_tokens` answers on an Anthropic or Gemini route whose target is of another protocol, where no tokenizer of the
 * target is at hand: an estimate, not a count. Text, tool inputs and tool definitions at four characters per
 * token, each image at 1,600 tokens. Agents use the figure to decide when to compact a conversation, so an
 * estimate a little high is the safe side; this one is within the spread of real tokenizers for English and code.
 */
export function estimateInputTokens(request: Wire): number {
  let tokens = 0;
  const system = request.system;
  tokens += typeof system === 'string' ? textTokens(system.length) : wireArray(system).reduce((sum, block) => sum + blockTokens(block), 0);
  for (const message of wireArray(request.messages)) {
    const content = message.content;
    tokens += typeof content === 'string' ? textTokens(content.length) : wireArray(content).reduce((sum, block) => sum + blockTokens(block), 0);
  }
  for (const tool of wireArray(request.tools)) tokens += textTokens(JSON.stringify(tool).length);
  // Gemini's countTokens: `contents` (or a whole `generateContentRequest`) of parts, and its system instruction.
  const gemini = asWire(request.generateContentRequest) ?? request;
  const instruction = asWire(gemini.systemInstruction);
  for (const content of instruction ? [instruction, ...wireArray(gemini.contents)] : wireArray(gemini.contents)) {
    for (const part of wireArray(content.parts)) tokens += partTokens(part);
  }
  if (gemini !== request) for (const tool of wireArray(gemini.tools)) tokens += textTokens(JSON.stringify(tool).length);
  return Math.max(1, tokens);
}
