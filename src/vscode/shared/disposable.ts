/** Anything with a `dispose()`: vscode.Disposable, core subscriptions, our own classes. */
export interface DisposableLike {
  dispose(): unknown;
}

export function toDisposable(dispose: () => void): DisposableLike {
  return { dispose };
}

/**
 * Base of every long-lived glue object: listeners, emitters, views, status
 * items and timers go through `_register` and are disposed together, last
 * registered first. Registering after disposal disposes at once, so a late
 * async callback cannot leak a listener.
 */
export abstract class Disposable implements DisposableLike {
  private readonly _disposables: DisposableLike[] = [];
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends DisposableLike>(value: T): T {
    if (this._isDisposed) void value.dispose();
    else this._disposables.push(value);
    return value;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    while (this._disposables.length) {
      const next = this._disposables.pop() as DisposableLike;
      try {
        void next.dispose();
      } catch {
        // One failing dispose must not keep the others alive.
      }
    }
  }
}

/** A repeating timer that can be switched on and off; unref'd so it never keeps Node alive. */
export class IntervalTimer implements DisposableLike {
  private handle: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly tick: () => void,
  ) {}

  get running(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    if (this.handle) return;
    this.handle = setInterval(this.tick, this.ms);
    this.handle.unref();
  }

  stop(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = undefined;
  }

  dispose(): void {
    this.stop();
  }
}

/**
 * Runs `run` at most once per `ms`, trailing: a burst of calls (one per
 * request under load) becomes one run shortly after the first.
 */
export class Throttle implements DisposableLike {
  private handle: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly ms: number,
    private readonly run: () => void,
  ) {}

  schedule(): void {
    if (this.handle || this.disposed) return;
    this.handle = setTimeout(() => {
      this.handle = undefined;
      if (!this.disposed) this.run();
    }, this.ms);
    this.handle.unref();
  }

  dispose(): void {
    this.disposed = true;
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }
}
