import { connect } from 'node:net';

export interface RawAnswer {
  /** Everything the server sent, as latin1 (bytes one to one). */
  text: string;
  status: number | undefined;
  /** The body of the first response, when it has a Content-Length. */
  body: string | undefined;
  /** The server closed the connection (rather than our timeout). */
  closedByServer: boolean;
  /** From connect to close. */
  ms: number;
}

/** One request as raw bytes, CRLF line ends; a `Buffer` body is appended as it is. */
export function rawRequest(method: string, path: string, headers: [string, string][], body: string | Buffer = ''): Buffer {
  const head = `${method} ${path} HTTP/1.1\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

export function parseRawAnswer(text: string): Pick<RawAnswer, 'status' | 'body'> {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
  const headEnd = text.indexOf('\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
  return {
    status: status === undefined ? undefined : Number(status),
    body: headEnd >= 0 && length !== undefined ? text.slice(headEnd + 4, headEnd + 4 + Number(length)) : undefined,
  };
}

/**
 * Writes bytes on a fresh connection (all at once, or one byte every
 * `byteGapMs`) and collects the answer until the server closes, or until
 * `timeoutMs`, when we close. The socket never outlives the call.
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  options: { timeoutMs?: number; byteGapMs?: number; endAfterWrite?: boolean } = {},
): Promise<RawAnswer> {
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const started = Date.now();
  return new Promise<RawAnswer>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let byServer = true;
    // Set only when the request is written byte by byte; the close handler clears it either way.
    const dribble: { timer?: NodeJS.Timeout } = {};
    const timer = setTimeout(() => {
      byServer = false;
      socket.destroy();
    }, options.timeoutMs ?? 3_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      clearInterval(dribble.timer);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, ...parseRawAnswer(text), closedByServer: byServer, ms: Date.now() - started });
    });
    if (options.byteGapMs === undefined) {
      socket.write(data);
      if (options.endAfterWrite) socket.end();
      return;
    }
    let i = 0;
    dribble.timer = setInterval(() => {
      if (socket.destroyed || i >= data.length) return clearInterval(dribble.timer);
      socket.write(data.subarray(i, i + 1));
      i++;
    }, options.byteGapMs);
  });
}

/** The error message of a JSON error body in either protocol's shape, or undefined. */
export function errorMessage(body: string | undefined): string | undefined {
  try {
    const json = JSON.parse(body ?? '') as { error?: { message?: unknown } };
    return typeof json.error?.message === 'string' ? json.error.message : undefined;
  } catch {
    return undefined;
  }
}
