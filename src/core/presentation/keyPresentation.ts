import type { FailureClass, KeyState } from '../keys/keyHealth';
import type { BridgeStatus, FirstEventStatus, KeyStatus, ModelAvailability, PoolStatus } from '../status';

/**
 * How keys read on screen: the tree, its tooltips and the status bar share
 * these, so a state never reads two ways. No `vscode` import: tested on Node.
 */

/** Cooling ends lazily in the core; a snapshot taken earlier still says cooling after `until`. */
export function effectiveState(key: Pick<KeyStatus, 'state' | 'until'>, now: number): KeyState {
  return key.state === 'cooling' && (key.until === undefined || key.until <= now) ? 'ready' : key.state;
}

/** `0:42`, `12:05`, `1:02:03`: rounded up, so the last second shows `0:01`, never `0:00`. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `14:36` in the machine's time, rounded up to the minute so it is never early; `Dec 9 14:36` on another day. */
export function formatTimeOfDay(at: number, now: number): string {
  const when = new Date(Math.ceil(at / 60_000) * 60_000);
  const time = `${String(when.getHours()).padStart(2, '0')}:${String(when.getMinutes()).padStart(2, '0')}`;
  return when.toDateString() === new Date(now).toDateString() ? time : `${MONTHS[when.getMonth()]} ${when.getDate()} ${time}`;
}

/** `HTTP 401 invalid_api_key` → `401`; other reasons shortened. */
export function shortReason(reason: string | undefined): string {
  if (!reason) return 'unknown';
  const http = /^HTTP (\d{3})\b/.exec(reason);
  if (http) return http[1];
  const clean = sanitizeText(reason);
  return clean.length > 40 ? `${clean.slice(0, 39)}…` : clean;
}

/** Cooldowns for single models that are still running at `now`, soonest first. */
function activeScopedCoolings(key: Pick<KeyStatus, 'cooling'>, now: number): { scope: string; until: number }[] {
  return (key.cooling ?? []).filter((c) => c.until > now).sort((a, b) => a.until - b.until);
}

/**
 * The state a key's icon shows: a key cooling for a model in use reads `cooling` (it cannot serve what is being
 * asked), though key-wide it is ready for other models and its menus stay those of a ready key.
 */
export function keyLookState(pool: Pick<PoolStatus, 'models'>, key: KeyStatus, now: number): KeyState {
  const state = effectiveState(key, now);
  if (state !== 'ready') return state;
  const inUse = new Set((pool.models ?? []).map((m) => m.model));
  return activeScopedCoolings(key, now).some((c) => inUse.has(c.scope)) ? 'cooling' : 'ready';
}

/** A model in use none of whose keys can serve it (as of the snapshot, unless its first key is back by `now`). */
function isStranded(m: ModelAvailability, now: number): boolean {
  return m.usable === 0 && m.total > 0 && !(m.firstBackAt !== undefined && m.firstBackAt <= now);
}

/** The pool's models in use that no key can serve now. */
export function strandedModels(pool: Pick<PoolStatus, 'models'>, now: number): ModelAvailability[] {
  return (pool.models ?? []).filter((m) => isStranded(m, now));
}

/** `gpt-4.1-mini: 0 of 2 usable, first back in 3:55`: one model in use, for tooltips. */
export function modelAvailabilityLine(m: ModelAvailability, now: number): string {
  const stranded = isStranded(m, now);
  // A snapshot's count goes stale when its first key comes back: at least that one is usable then.
  const usable = !stranded && m.usable === 0 && m.total > 0 ? 1 : m.usable;
  const back = stranded && m.firstBackAt !== undefined ? `, first back in ${formatCountdown(m.firstBackAt - now)}` : '';
  return `${escapeMarkdown(shortModel(m.model))}: ${usable} of ${m.total} usable${back}`;
}

export function keyDescription(key: KeyStatus, now: number): string {
  const state = effectiveState(key, now);
  switch (state) {
    case 'ready': {
      // A key cooling for some models is still usable for the others: it reads ready, and names what is cooling.
      const scoped = activeScopedCoolings(key, now);
      // The countdown first: a narrow sidebar cuts the end of a description, and a long model name would take it.
      if (scoped.length > 0) {
        const [first] = scoped;
        const more = scoped.length > 1 ? ` +${scoped.length - 1}` : '';
        return `${formatCountdown(first.until - now)} · cooling ${shortModel(first.scope)}${more}`;
      }
      // Unlabelled keys are labelled with their masked form already.
      return key.label === key.masked ? 'ready' : key.masked;
    }
    case 'cooling':
      return `cooling ${formatCountdown((key.until ?? now) - now)}`;
    case 'exhausted':
      return `exhausted: ${shortReason(key.reason)}`;
    case 'invalid':
      return `invalid: ${shortReason(key.reason)}`;
    case 'retired':
      return 'retired';
  }
}

/** Model names are the provider's; long ones are shortened for a tree row. */
export function shortModel(model: string): string {
  const clean = sanitizeText(model);
  return clean.length > 28 ? `${clean.slice(0, 27)}…` : clean;
}

/** Anything that looks like key material is masked; control characters go. For text from providers. */
export function sanitizeText(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\b((?:sk|gsk|xai|kb|kbadmin)[-_])[A-Za-z0-9_-]{8,}/g, (m, prefix: string) => `${prefix}…${m.slice(-4)}`)
    .replace(/\bAIza[A-Za-z0-9_-]{20,}/g, (m) => `AIza…${m.slice(-4)}`)
    .trim();
}

export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`);
}

/** Partial: the owner window may run another version and report a class this one does not know. */
const FAILURE_LABELS: Partial<Record<FailureClass, string>> = {
  rate_limit: 'rate limit',
  quota: 'quota',
  auth: 'auth',
  transient: 'provider error',
  timeout: 'timeout',
  caller: 'request error',
  stream: 'stream cut',
};

function formatAgo(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** The key's tooltip as Markdown: state, stats, last error (sanitised). Never the secret. */
export function keyTooltipMarkdown(pool: Pick<PoolStatus, 'label'>, key: KeyStatus, now: number): string {
  const state = effectiveState(key, now);
  const lines: string[] = [];
  lines.push(`**${escapeMarkdown(key.label)}** · ${escapeMarkdown(pool.label)} · ${state}`);
  lines.push(`\`${key.masked}\` · fingerprint \`${key.fingerprint}\``);
  if (state === 'cooling' && key.until) lines.push(`Cooling for ${formatCountdown(key.until - now)} (until ${new Date(key.until).toLocaleTimeString()})`);
  if (state === 'ready') {
    for (const c of activeScopedCoolings(key, now)) {
      lines.push(
        `Cooling for ${escapeMarkdown(shortModel(c.scope))} only: ${formatCountdown(c.until - now)} (until ${new Date(c.until).toLocaleTimeString()}); other models use this key`,
      );
    }
  }
  if (key.benchedUntil !== undefined && key.benchedUntil > now)
    lines.push(`Passed over for ${formatCountdown(key.benchedUntil - now)}: its connections kept failing while other keys of the pool succeeded`);
  if ((state === 'invalid' || state === 'exhausted') && key.reason) lines.push(`Reason: ${escapeMarkdown(sanitizeText(key.reason))}`);
  if ((state === 'invalid' || state === 'exhausted') && key.retestAt) lines.push(`Next automatic test in ${formatCountdown(key.retestAt - now)}`);
  const s = key.stats;
  lines.push(`Requests: ${s.requests} (${s.successes} succeeded)`);
  const failures = (Object.entries(s.failures) as [FailureClass, number][]).filter(([, n]) => n > 0);
  lines.push(`Failures: ${failures.length ? failures.map(([kind, n]) => `${FAILURE_LABELS[kind] ?? kind} ${n}`).join(', ') : 'none'}`);
  if (s.lastError) lines.push(`Last error: ${escapeMarkdown(sanitizeText(s.lastError).slice(0, 300))}`);
  if (s.lastUsedAt) lines.push(`Last used: ${formatAgo(s.lastUsedAt, now)}`);
  if (s.lastLatencyMs !== undefined) lines.push(`Latency: ${Math.round(s.lastLatencyMs)} ms`);
  lines.push(`Tokens seen: ${s.inputTokens.toLocaleString('en-US')} in / ${s.outputTokens.toLocaleString('en-US')} out`);
  // Two trailing spaces: a Markdown line break, so each fact gets its own line.
  return lines.join('  \n');
}

export interface KeyCounts {
  usable: number;
  total: number;
  cooling: number;
}

/** Keys that can take a request now, of all keys that are not retired. */
export function countKeys(pools: readonly PoolStatus[], now: number): KeyCounts {
  let usable = 0;
  let total = 0;
  let cooling = 0;
  for (const pool of pools) {
    for (const key of pool.keys) {
      const state = effectiveState(key, now);
      if (state === 'retired') continue;
      total++;
      if (state === 'ready') usable++;
      if (state === 'cooling') cooling++;
    }
  }
  return { usable, total, cooling };
}

export function poolDescription(pool: PoolStatus, now: number): string {
  const counts = countKeys([pool], now);
  const parts = [pool.protocol, pool.keys.length === 0 ? 'no keys' : `${counts.usable}/${counts.total} ready`];
  // A model in use that no key can serve comes first, with its countdown: keys ready for other models say nothing of it.
  const stranded = strandedModels(pool, now);
  if (stranded.length > 0) parts.unshift(strandedText(stranded, now));
  const open = (pool.breakers ?? []).filter((b) => b.state === 'open').map((b) => shortModel(b.model));
  if (open.length > 0) parts.push(`provider failing for ${open[0]}${open.length > 1 ? ` +${open.length - 1}` : ''}`);
  else if (pool.breaker === 'open') parts.push('provider failing');
  return parts.join(' · ');
}

/**
 * `gpt-4.1-mini 0/2 · back by 14:36 +1`: the first stranded model, when its first key is back, and how many more.
 * A time of day, not a countdown: the key rows count down. A pool row that changed every second would be rebuilt
 * every second with its key rows (VS Code fetches a refreshed row's children again), and a click on a key row's
 * action while it was rebuilt reached the command without its row.
 */
function strandedText(stranded: readonly ModelAvailability[], now: number): string {
  const [first] = stranded;
  const back = first.firstBackAt !== undefined ? ` · back by ${formatTimeOfDay(first.firstBackAt, now)}` : '';
  return `${shortModel(first.model)} 0/${first.total}${back}${stranded.length > 1 ? ` +${stranded.length - 1}` : ''}`;
}

export function poolTooltipMarkdown(pool: PoolStatus, now: number): string {
  const counts = countKeys([pool], now);
  return [
    `**${escapeMarkdown(pool.label)}** (\`${pool.id}\`)`,
    `Protocol: ${pool.protocol} · strategy: ${pool.strategy}`,
    `Upstream: ${escapeMarkdown(pool.baseUrl)}`,
    `Keys: ${counts.usable} ready of ${counts.total}${pool.keys.length > counts.total ? ` (${pool.keys.length - counts.total} retired)` : ''}`,
    ...(pool.models ?? []).map((m) => `Model ${modelAvailabilityLine(m, now)}`),
    ...breakerLines(pool, now),
    ...(pool.firstEvents ?? []).map(firstEventLine),
  ].join('  \n');
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

const FIRST_EVENT_SOURCE: Record<FirstEventStatus['source'], string> = {
  learned: 'learned',
  pool: "the pool's own",
  route: "the route's own",
  tuning: 'firstEventTimeoutMs',
};

/** `First event gpt-5: gives up after 5.0 s (learned; p95 0.4 s over 32 streams)`: the deadline in force while a route has a later target. */
function firstEventLine(f: FirstEventStatus): string {
  const history = f.p95Ms === undefined ? `${f.samples} ${f.samples === 1 ? 'stream' : 'streams'} so far` : `p95 ${seconds(f.p95Ms)} over ${f.samples} streams`;
  return `First event ${escapeMarkdown(shortModel(f.model))}: gives up after ${seconds(f.deadlineMs)} when the route has a later target (${FIRST_EVENT_SOURCE[f.source]}; ${history})`;
}

/** One line per target breaker that saw traffic (pool + model), or a single line when none did. */
function breakerLines(pool: PoolStatus, now: number): string[] {
  if (!pool.breakers?.length) return [`Circuit breaker: ${pool.breaker}`];
  return pool.breakers.map((b) => {
    const rate = b.requests > 0 ? `${Math.round((100 * b.failures) / b.requests)} % of ${b.requests} failed` : 'no recent attempts';
    const reopens = b.state === 'open' && b.reopensAt !== undefined ? `, probes in ${formatCountdown(b.reopensAt - now)}` : '';
    return `Circuit breaker ${escapeMarkdown(shortModel(b.model))}: ${b.state} (${rate}${reopens})`;
  });
}

/** Whether anything on screen counts down, so the once-a-second tick is needed. */
export function anyCooling(status: BridgeStatus | undefined, now: number): boolean {
  return !!status?.pools.some((p) => p.keys.some((k) => effectiveState(k, now) === 'cooling' || activeScopedCoolings(k, now).length > 0));
}
