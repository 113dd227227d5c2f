import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BridgeStatus } from '../../src/core/status';
import { signalGroup } from './processes';
import { must } from '../helpers/must';

/** One line the bridge printed on stdout, with the time the bridge stamped on it. */
export interface BridgeLine {
  at: number;
  text: string;
}

/** A key health change the bridge logged: `key an/k1 (sk-…) ready → cooling: …`. */
export interface KeyMark {
  at: number;
  pool: string;
  key: string;
  from: string;
  to: string;
  reason: string;
}

/** A request summary the bridge logged: one per client request. */
export interface BridgeRequestLine {
  at: number;
  method: string;
  path: string;
  status: number;
  outcome: string;
  pool: string;
  attempts: number;
  text: string;
}

export interface BridgeProcessOptions {
  cli: string;
  dir: string;
  config: unknown;
  env: NodeJS.ProcessEnv;
  adminToken: string;
}

const STAMPED = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\w+) (.*)$/;
// `… ready → cooling for <model> 1 s: …` when the cooldown is for one model.
const KEY_LINE = /^key ([^/\s]+)\/(\S+) \(.*?\) (\w+) → (\w+)(?: for \S+)?(?: \d+ s)?(?:: (.*))?$/;
const REQUEST_LINE = /^([A-Z]+) (\S+) (\d{3}) (\w+) pool=(\S+).*? attempts=(\d+)/;

/** The headless bridge as users run it: `node dist/cli.js serve --config FILE --port 0`, a real child process. */
export class BridgeProcess {
  url = '';
  openaiBase = '';
  anthropicBase = '';
  readonly lines: BridgeLine[] = [];
  readonly stderr: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;

  constructor(private readonly options: BridgeProcessOptions) {}

  async start(timeoutMs = 15_000): Promise<void> {
    const configPath = join(this.options.dir, 'keybridge.json');
    writeFileSync(configPath, JSON.stringify(this.options.config, null, 2));
    const child = spawn(process.execPath, [this.options.cli, 'serve', '--config', configPath, '--port', '0'], {
      env: this.options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('close', () => resolve()));
    let pending = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bridge printed no URL within ${timeoutMs} ms; stderr: ${this.stderr.join('')}`)), timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`bridge exited with ${code} before listening; stderr: ${this.stderr.join('')}`));
      });
      must(child.stdout)
        .setEncoding('utf8')
        .on('data', (chunk: string) => {
          pending += chunk;
          let nl: number;
          while ((nl = pending.indexOf('\n')) >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            this.onLine(line);
            if (!this.url && /^http:\/\/127\.0\.0\.1:\d+$/.test(line)) {
              this.url = line;
              clearTimeout(timer);
            }
            const base = /(OpenAI|Anthropic) base URL (\S+)/.exec(line);
            if (base) {
              if (base[1] === 'OpenAI') this.openaiBase = must(base[2]);
              else this.anthropicBase = must(base[2]);
            }
            if (this.url && this.openaiBase && this.anthropicBase) resolve();
          }
        });
    });
    must(child.stderr)
      .setEncoding('utf8')
      .on('data', (chunk: string) => this.stderr.push(chunk));
    await ready;
  }

  private onLine(line: string): void {
    const m = STAMPED.exec(line);
    this.lines.push({ at: m ? Date.parse(must(m[1])) : Date.now(), text: m ? must(m[3]) : line });
  }

  keyMarks(): KeyMark[] {
    const out: KeyMark[] = [];
    for (const line of this.lines) {
      const m = KEY_LINE.exec(line.text);
      // The reason group is optional: at() says a group that did not match is undefined, where m[5] would not.
      if (m) out.push({ at: line.at, pool: must(m[1]), key: must(m[2]), from: must(m[3]), to: must(m[4]), reason: m.at(5) ?? '' });
    }
    return out;
  }

  requests(): BridgeRequestLine[] {
    const out: BridgeRequestLine[] = [];
    for (const line of this.lines) {
      const m = REQUEST_LINE.exec(line.text);
      if (m)
        out.push({
          at: line.at,
          method: must(m[1]),
          path: must(m[2]),
          status: Number(m[3]),
          outcome: must(m[4]),
          pool: must(m[5]),
          attempts: Number(m[6]),
          text: line.text,
        });
    }
    return out;
  }

  async status(): Promise<BridgeStatus> {
    const res = await fetch(`${this.url}/_keybridge/status`, { headers: { authorization: `Bearer ${this.options.adminToken}` } });
    if (!res.ok) throw new Error(`status API answered ${res.status}`);
    return (await res.json()) as BridgeStatus;
  }

  /** SIGTERM (the CLI drains and exits), SIGKILL to its group if it lingers. */
  async stop(graceMs = 6_000): Promise<void> {
    const child = this.child;
    if (!child || !this.exited) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    this.child = undefined;
  }
}
