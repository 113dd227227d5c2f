// The four request directions the bridge translates, each as the reader of the client's format followed by the
// writer of the target's: what targetTranslation.ts composes for a route, here for the translation suites.
import { readMessagesRequest } from '../../src/core/protocols/anthropicMessages/requestReader';
import { writeMessagesRequest, type MessagesTarget } from '../../src/core/protocols/anthropicMessages/requestWriter';
import { readChatRequest } from '../../src/core/protocols/openaiChat/requestReader';
import { writeChatRequest, type ChatTarget } from '../../src/core/protocols/openaiChat/requestWriter';
import { readResponsesRequest } from '../../src/core/protocols/openaiResponses/requestReader';
import type { TranslationNotes, Wire } from '../../src/core/protocols/wire';
import { crossProtocol, type TargetTranslation } from '../../src/core/translation/targetTranslation';
import assert from 'node:assert/strict';

type Translated = { body: Wire; notes: TranslationNotes };

export const messagesToChat = (request: Wire, target: ChatTarget): Translated => writeChatRequest(readMessagesRequest(request), target);
export const responsesToChat = (request: Wire, target: ChatTarget): Translated => writeChatRequest(readResponsesRequest(request), target);
export const chatRequestToMessages = (request: Wire, target: MessagesTarget): Translated => writeMessagesRequest(readChatRequest(request), target);
export const responsesToMessages = (request: Wire, target: MessagesTarget): Translated => writeMessagesRequest(readResponsesRequest(request), target);

/** How a client of `client` reaches `pool`, which must be a translation (not a relay, an estimate or a refusal). */
export function translation(client: Parameters<typeof crossProtocol>[0], pool: Parameters<typeof crossProtocol>[1]): TargetTranslation {
  const cross = crossProtocol(client, pool);
  assert.equal(cross?.kind, 'translate');
  return cross;
}
