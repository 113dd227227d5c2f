import type { BridgeErrorType } from './protocol';

// OpenAI has no overloaded/api error types of its own; its SDK only reads `type` and `code` loosely.
const OPENAI_TYPE: Record<BridgeErrorType, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'server_error',
  overloaded_error: 'server_error',
  timeout_error: 'server_error',
};

/** The error envelope both OpenAI formats answer with: `{ error: { message, type, param, code } }`. */
export function openaiErrorBody(type: BridgeErrorType, message: string, code?: string): string {
  return JSON.stringify({ error: { message, type: OPENAI_TYPE[type], param: null, code: code ?? null } });
}

/** The end of a Chat Completions stream that broke: the error where a chunk would be, then `[DONE]`. */
export function openaiStreamError(message: string): string {
  const error = { error: { message, type: 'server_error', param: null, code: 'stream_interrupted' } };
  return `data: ${JSON.stringify(error)}\n\ndata: [DONE]\n\n`;
}

/** OpenAI's error type for a status: what its SDK and agents built on it read. */
function openaiType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** A provider's refusal with `status`, in OpenAI's envelope (a translated target's error answer). */
export function openaiStatusErrorBody(status: number, message: string, code?: string): string {
  return JSON.stringify({ error: { message, type: openaiType(status), param: null, code: code ?? null } });
}
