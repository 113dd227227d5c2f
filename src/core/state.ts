import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PersistedKeyHealth } from './keys/keyHealth';

/** Key health that outlives the process: keyed by key fingerprint, never holding a secret. */
export interface PersistedState {
  version: 1;
  savedAt: number;
  /** By key fingerprint; a key the file does not know reads undefined. */
  keys: Partial<Record<string, PersistedKeyHealth>>;
}

/** Where the host keeps persisted state: a file for the CLI and for windows sharing a machine. */
export interface StateStore {
  load(): PersistedState | undefined;
  save(state: PersistedState): void;
}

/** A JSON file written atomically (temp file + rename), so a reader never sees half a state. */
export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  load(): PersistedState | undefined {
    try {
      // Another version, or a hand-edited file: start clean rather than guess.
      const parsed: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null) return undefined;
      const state = parsed as { version?: unknown; keys?: unknown };
      return state.version === 1 && typeof state.keys === 'object' && state.keys !== null ? (parsed as PersistedState) : undefined;
    } catch {
      return undefined;
    }
  }

  save(state: PersistedState): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(state, null, 1), { mode: 0o600 });
    renameSync(temp, this.path);
  }
}
