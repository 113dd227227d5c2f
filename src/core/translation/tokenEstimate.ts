import { stringOr, wireArray, type Wire } from './wire';

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

/**
 * What `count_tokens` answers on an Anthropic route whose target is not Anthropic, where no tokenizer of the
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
  return Math.max(1, tokens);
}
