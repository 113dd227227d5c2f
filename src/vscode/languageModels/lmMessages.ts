import * as vscode from 'vscode';
import type { LmContent, LmMessage, LmPart } from '../../core/languageModels/lmRequest';

/**
 * VS Code's request messages as plain parts (lmRequest.ts writes the wire request from them). Parts VS Code
 * may send that have no meaning on the wire are left out: thinking parts (their signatures belong to the
 * provider account that made them), and data parts that are hints rather than content (Copilot's
 * `cache_control`).
 */
export function toLmMessages(messages: readonly vscode.LanguageModelChatRequestMessage[]): LmMessage[] {
  return messages.map((message) => ({ role: roleOf(message.role), parts: message.content.flatMap(partOf) }));
}

/** 3 is the System role of VS Code's proposed API, which Copilot Chat sends its instructions in. */
const PROPOSED_SYSTEM_ROLE = 3;

function roleOf(role: vscode.LanguageModelChatMessageRole): LmMessage['role'] {
  if (role === vscode.LanguageModelChatMessageRole.Assistant) return 'assistant';
  return (role as number) === PROPOSED_SYSTEM_ROLE ? 'system' : 'user';
}

function partOf(part: unknown): LmPart[] {
  if (part instanceof vscode.LanguageModelToolCallPart) return [{ kind: 'toolCall', callId: part.callId, name: part.name, input: part.input }];
  if (part instanceof vscode.LanguageModelToolResultPart) {
    const isError = (part as { isError?: unknown }).isError === true;
    return [{ kind: 'toolResult', callId: part.callId, content: part.content.flatMap(contentOf), isError }];
  }
  return contentOf(part);
}

function contentOf(part: unknown): LmContent[] {
  if (part instanceof vscode.LanguageModelTextPart) return [{ kind: 'text', text: part.value }];
  if (part instanceof vscode.LanguageModelPromptTsxPart) return [{ kind: 'text', text: JSON.stringify(part.value) }];
  return dataOf(part);
}

/** `LanguageModelDataPart` (images, JSON, text) is newer than the API this extension is built against: read by shape. */
function dataOf(part: unknown): LmContent[] {
  if (typeof part !== 'object' || part === null) return [];
  const { mimeType, data } = part as { mimeType?: unknown; data?: unknown };
  if (typeof mimeType !== 'string' || !(data instanceof Uint8Array)) return [];
  if (mimeType.startsWith('image/')) return [{ kind: 'image', mimeType, data }];
  if (mimeType.startsWith('text/') || mimeType.endsWith('json')) return [{ kind: 'text', text: Buffer.from(data).toString('utf8') }];
  return [];
}
