import { EventEmitter } from './fakeVscode';

/**
 * The backing store of SecretStorage, shared like the real one is by every
 * window. Each window gets its own `view()`; a write in any view fires the
 * change event in all of them, as VS Code does.
 */
export class FakeSecretBackend {
  readonly values = new Map<string, string>();
  /** Every call, in order: `get k`, `store k`, `delete k`. */
  readonly log: string[] = [];
  private readonly views: FakeSecretStorage[] = [];
  /** `get` never settles (code-server with no browser connected). */
  hangGets = false;
  /** `store` rejects as a missing OS keyring does. */
  failStores: string | undefined;
  /** Extra events per write: duplicates, as VS Code sends across windows. */
  duplicateEvents = 0;

  view(): FakeSecretStorage {
    const view = new FakeSecretStorage(this);
    this.views.push(view);
    return view;
  }

  fireAll(key: string): void {
    for (const view of this.views) view.emitter.fire({ key });
  }

  async get(key: string): Promise<string | undefined> {
    this.log.push(`get ${key}`);
    if (this.hangGets) return new Promise<string | undefined>(() => undefined);
    await Promise.resolve();
    return this.values.get(key);
  }

  async store(key: string, value: string): Promise<void> {
    this.log.push(`store ${key}`);
    await Promise.resolve();
    if (this.failStores) throw new Error(this.failStores);
    this.values.set(key, value);
    this.changed(key);
  }

  async delete(key: string): Promise<void> {
    this.log.push(`delete ${key}`);
    await Promise.resolve();
    this.values.delete(key);
    this.changed(key);
  }

  private changed(key: string): void {
    // VS Code delivers change events asynchronously.
    setImmediate(() => {
      for (let i = 0; i <= this.duplicateEvents; i++) this.fireAll(key);
    });
  }
}

export class FakeSecretStorage {
  readonly emitter = new EventEmitter<{ key: string }>();
  readonly onDidChange = this.emitter.event;
  constructor(private readonly backend: FakeSecretBackend) {}
  get(key: string): Promise<string | undefined> {
    return this.backend.get(key);
  }
  store(key: string, value: string): Promise<void> {
    return this.backend.store(key, value);
  }
  delete(key: string): Promise<void> {
    return this.backend.delete(key);
  }
}
