/** Where the core writes human-readable lines. Callers never pass secrets here. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /**
   * False when info lines are dropped (`keybridge serve --quiet`): the request path then skips building its
   * line per request. Absent means they are written.
   */
  readonly writesInfo?: boolean;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  writesInfo: false,
};
