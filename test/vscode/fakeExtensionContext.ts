import type { FakeSecretBackend } from './fakeSecretStorage';

class FakeEnvironmentCollection {
  persistent = false;
  description: unknown;
  readonly vars = new Map<string, string>();
  replace(name: string, value: string): void {
    this.vars.set(name, value);
  }
  clear(): void {
    this.vars.clear();
  }
  get(name: string): { value: string } | undefined {
    const value = this.vars.get(name);
    return value === undefined ? undefined : { value };
  }
}

class FakeMemento {
  readonly values = new Map<string, unknown>();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- vscode.Memento's own signature
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
  keys(): string[] {
    return [...this.values.keys()];
  }
}

/** The parts of `vscode.ExtensionContext` that `activate` uses, in memory. */
export function contextFor(backend: FakeSecretBackend, storage: string) {
  return {
    secrets: backend.view(),
    globalStorageUri: { scheme: 'file', fsPath: storage, path: storage },
    extensionUri: { scheme: 'file', fsPath: '/extension', path: '/extension' },
    environmentVariableCollection: new FakeEnvironmentCollection(),
    globalState: new FakeMemento(),
    subscriptions: [] as { dispose(): unknown }[],
  };
}
