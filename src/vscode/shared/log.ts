import type * as vscode from 'vscode';
import type { Logger } from '../../core/logger';
import { redactSecrets } from '../../core/secrets';

/** The slice of `vscode.LogOutputChannel` the adapter writes to. */
export type LogSink = Pick<vscode.LogOutputChannel, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The core's Logger on top of the "KeyBridge" LogOutputChannel: one line per
 * request and per key state change, as the core formats them. The core never
 * logs a key; `knownSecrets` masks any that slipped through anyway (defence in depth).
 */
export function channelLogger(sink: LogSink, knownSecrets: () => Iterable<string> = () => []): Logger {
  const clean = (message: string): string => redactSecrets(message, knownSecrets());
  return {
    debug: (m) => sink.debug(clean(m)),
    info: (m) => sink.info(clean(m)),
    warn: (m) => sink.warn(clean(m)),
    error: (m) => sink.error(clean(m)),
  };
}
