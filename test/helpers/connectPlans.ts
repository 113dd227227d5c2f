import assert from 'node:assert/strict';
import type { FileTargetId } from '../../src/core/agents/agentList';
import type { ConnectContext } from '../../src/core/agents/connectTargets';
import { fileState, planConnect, planDisconnect } from '../../src/core/agents/fileConnection';

/** The bridge a Connect test writes for: every protocol's base URL at `port`, the local token, and a home folder. */
export function bridgeAt(port: number, token = 'kb-test-token'): ConnectContext {
  const root = `http://127.0.0.1:${port}`;
  return { baseUrls: { openai: `${root}/openai/v1`, anthropic: `${root}/anthropic`, gemini: `${root}/gemini` }, token, home: '/home/u' };
}

/**
 * Connects `before` (undefined: no file), checks the result reads as connected, and disconnects it again: what is
 * left, `<deleted>` when the file goes and `<untouched>` when Disconnect leaves it as it is. `written` sees the
 * connected file first, for a format's own check (it parses, say).
 */
export function connectRoundTrip(id: FileTargetId, ctx: ConnectContext, before: string | undefined, written?: (after: string) => void): string {
  const plan = planConnect(id, ctx, before);
  assert.equal(fileState(plan.record, ctx, plan.after), 'connected');
  written?.(plan.after);
  const after = planDisconnect(plan.record, plan.previous, plan.after);
  return after === null ? '<deleted>' : (after ?? '<untouched>');
}
