/**
 * Keys a follower window may ask the owner for. In browser-based VS Code
 * (code-server, vscode.dev) each window reads SecretStorage once when it
 * opens, so keys added in another window never reach it; without this, the
 * window that takes the port over would serve without them. Only a host that
 * passes a provider serves it (the VS Code extension, never the CLI), and only
 * behind the admin token, which lives in the same SecretStorage as the keys.
 */
export const KEY_HANDOVER_PATH = '/_keybridge/keys';

export interface HandedOverKey {
  pool: string;
  id: string;
  label?: string;
  secret: string;
}

export interface KeyHandover {
  keys: HandedOverKey[];
}

export type KeyHandoverProvider = () => KeyHandover;
