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

  /** Change events reach only the window that wrote (what the issue saw in code-server). */
  eventsStayInWindow = false;

  view(): FakeSecretStorage {
    const view = new FakeSecretStorage(this);
    this.views.push(view);
    return view;
  }

  /**
   * A window of browser-based VS Code (code-server 4.139.1's
   * LocalStorageSecretStorageProvider): it reads every secret once when it
   * opens, answers from that copy, writes the whole copy back on each change,
   * and hears only of its own writes.
   */
  browserTab(): FakeBrowserTabSecretStorage {
    return new FakeBrowserTabSecretStorage(this);
  }

  fireAll(key: string, writer?: FakeSecretStorage): void {
    for (const view of this.views) if (!this.eventsStayInWindow || view === writer) view.emitter.fire({ key });
  }

  async get(key: string): Promise<string | undefined> {
    this.log.push(`get ${key}`);
    if (this.hangGets) return new Promise<string | undefined>(() => undefined);
    await Promise.resolve();
    return this.values.get(key);
  }

  async store(key: string, value: string, writer?: FakeSecretStorage): Promise<void> {
    this.log.push(`store ${key}`);
    await Promise.resolve();
    if (this.failStores) throw new Error(this.failStores);
    this.values.set(key, value);
    this.changed(key, writer);
  }

  async delete(key: string, writer?: FakeSecretStorage): Promise<void> {
    this.log.push(`delete ${key}`);
    await Promise.resolve();
    this.values.delete(key);
    this.changed(key, writer);
  }

  private changed(key: string, writer?: FakeSecretStorage): void {
    // VS Code delivers change events asynchronously.
    setImmediate(() => {
      for (let i = 0; i <= this.duplicateEvents; i++) this.fireAll(key, writer);
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
    return this.backend.store(key, value, this);
  }
  delete(key: string): Promise<void> {
    return this.backend.delete(key, this);
  }
}

export class FakeBrowserTabSecretStorage {
  readonly emitter = new EventEmitter<{ key: string }>();
  readonly onDidChange = this.emitter.event;
  private readonly copy: Map<string, string>;
  constructor(private readonly backend: FakeSecretBackend) {
    this.copy = new Map(backend.values);
  }
  async get(key: string): Promise<string | undefined> {
    this.backend.log.push(`get ${key}`);
    await Promise.resolve();
    return this.copy.get(key);
  }
  async store(key: string, value: string): Promise<void> {
    this.copy.set(key, value);
    await this.save(key);
  }
  async delete(key: string): Promise<void> {
    this.copy.delete(key);
    await this.save(key);
  }
  private async save(key: string): Promise<void> {
    this.backend.log.push(`save ${key}`);
    await Promise.resolve();
    this.backend.values.clear();
    for (const [k, v] of this.copy) this.backend.values.set(k, v);
    setImmediate(() => this.emitter.fire({ key }));
  }
}
