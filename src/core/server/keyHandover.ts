import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody } from './requestBody';
import { sendJson } from './respond';

/**
 * Keys passed between the windows of one machine. In browser-based VS Code
 * (code-server, vscode.dev) each window reads SecretStorage once when it
 * opens and hears of no change made in another window, so a key added in one
 * window never reaches the others through SecretStorage: followers fetch the
 * owner's keys (GET) and send the owner the keys they add or remove (POST).
 * Only a host that passes a handover serves this path (the VS Code
 * extension, never the CLI), and only behind the admin token, which lives in
 * the same SecretStorage as the keys.
 */
export const KEY_HANDOVER_PATH = '/_keybridge/keys';

export interface HandedOverKey {
  pool: string;
  id: string;
  label?: string;
  secret: string;
}

/** What a follower changed in its own SecretStorage. */
export interface FollowerKeyChange {
  add: HandedOverKey[];
  remove: { pool: string; id: string }[];
}

export interface KeyHandover {
  keys(): HandedOverKey[];
  apply(change: FollowerKeyChange): Promise<void>;
}

const MAX_CHANGE_BYTES = 256 * 1024;

function isKey(value: unknown): value is HandedOverKey {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as HandedOverKey;
  return (
    typeof k.pool === 'string' &&
    typeof k.id === 'string' &&
    typeof k.secret === 'string' &&
    k.secret.length > 0 &&
    (k.label === undefined || typeof k.label === 'string')
  );
}

function isRef(value: unknown): value is { pool: string; id: string } {
  if (typeof value !== 'object' || value === null) return false;
  const k = value as { pool: string; id: string };
  return typeof k.pool === 'string' && typeof k.id === 'string';
}

/** Parses a follower's change; undefined when it is not one. */
export function parseFollowerKeyChange(value: unknown): FollowerKeyChange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<FollowerKeyChange>;
  const add = v.add ?? [];
  const remove = v.remove ?? [];
  if (!Array.isArray(add) || !Array.isArray(remove) || !add.every(isKey) || !remove.every(isRef)) return undefined;
  return { add: add.map(({ pool, id, label, secret }) => ({ pool, id, label, secret })), remove: remove.map(({ pool, id }) => ({ pool, id })) };
}

/** Serves KEY_HANDOVER_PATH once the admin token has been checked. */
export async function answerKeyHandover(req: IncomingMessage, res: ServerResponse, handover: KeyHandover): Promise<void> {
  if (req.method === 'GET') return sendJson(res, 200, { keys: handover.keys() });
  if (req.method !== 'POST') return sendJson(res, 405, { error: { type: 'invalid_request_error', message: `use GET or POST ${KEY_HANDOVER_PATH}` } });
  let change: FollowerKeyChange | undefined;
  try {
    change = parseFollowerKeyChange(JSON.parse((await readRequestBody(req, MAX_CHANGE_BYTES)).toString('utf8')));
  } catch {
    change = undefined;
  }
  if (!change)
    return sendJson(res, 400, {
      error: { type: 'invalid_request_error', message: 'body must be {"add": [{"pool", "id", "label"?, "secret"}], "remove": [{"pool", "id"}]}' },
    });
  try {
    await handover.apply(change);
  } catch (error) {
    return sendJson(res, 503, { error: { type: 'api_error', message: `the bridge owner could not store the keys: ${(error as Error).message}` } });
  }
  return sendJson(res, 200, { ok: true });
}
