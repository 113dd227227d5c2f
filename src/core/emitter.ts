/** A minimal typed event emitter; the core must not depend on `vscode.EventEmitter`. */
export type Listener<T> = (value: T) => void;

export interface Subscription {
  dispose(): void;
}

export class Emitter<T> {
  private listeners: Listener<T>[] = [];

  on(listener: Listener<T>): Subscription {
    this.listeners = [...this.listeners, listener];
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }

  fire(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch {
        // A faulty listener must not break the request path.
      }
    }
  }

  get size(): number {
    return this.listeners.length;
  }
}
