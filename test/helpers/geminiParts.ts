import { FunctionResponse } from '@google/genai';

/**
 * A `functionResponse` part's body as the SDK types it: FunctionResponse is a class (empty at run time), so the
 * fields go onto an instance rather than into a literal posing as one. Only the fields given are sent.
 */
export function functionResponse(fields: Pick<FunctionResponse, 'id' | 'name' | 'response'>): FunctionResponse {
  return Object.assign(new FunctionResponse(), fields);
}
