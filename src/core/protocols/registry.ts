import type { Protocol } from '../config';
import { anthropicProtocol } from './anthropic';
import { openaiProtocol } from './openai';
import type { ProtocolAdapter } from './protocol';

export function protocolAdapter(protocol: Protocol): ProtocolAdapter {
  return protocol === 'anthropic' ? anthropicProtocol : openaiProtocol;
}
