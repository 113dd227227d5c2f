// The usage dashboard's page script (docs/ARCHITECTURE.md §10), bundled for the browser into dist/dashboard.js.
// It only draws what the extension posts: no network, no storage, nothing remote. Type-checked with the DOM
// library by its own tsconfig.json (the extension's code must not see browser globals).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DashboardData, DashboardDimension, DashboardQuota, DashboardRange, DashboardRow } from '../core/usage/dashboardData';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void; getState(): Partial<PageState> | undefined; setState(state: PageState): void };

const vscodeApi = acquireVsCodeApi();
const root = document.getElementById('dashboard') as HTMLElement;
let latest: DashboardData | undefined;
let receivedAt = 0;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

function usd(value: number | null): string {
  if (value === null) return 'no prices yet';
  // A few requests cost fractions of a cent: two significant digits say more than "$0.00".
  return value >= 1 || value === 0 ? `$${value.toFixed(2)}` : `$${value.toPrecision(2)}`;
}

function countdown(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A theme colour by its CSS variable, so the charts follow light, dark and high-contrast themes. */
function themeColor(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

interface Series {
  label: string;
  color: string;
  values: (number | null)[];
}

interface ChartSpec {
  title: string;
  /** Each bucket's start, epoch ms (UTC). */
  at: number[];
  grain: 'hour' | 'day';
  series: Series[];
  /** Bars, stacked (each series on top of the ones before it), instead of lines. */
  bars?: boolean;
  /** Whole counts: no ticks between integers. */
  counts?: boolean;
  format?: (value: number) => string;
}

/** A theme colour with some transparency, for the areas under the lines. */
function translucent(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})([0-9a-f]{2})?$/i.exec(color);
  if (hex) {
    const digits = hex[1].length === 3 ? hex[1].split('').map((d) => d + d) : (hex[1].match(/../g) ?? []);
    const [r, g, b] = digits.map((d) => parseInt(d, 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(color);
  return rgb ? `rgba(${rgb[1]},${rgb[2]},${rgb[3]}, ${alpha})` : color;
}

/**
 * A chart of series over time, drawn by uPlot (a chart library made for time series, 52 KB minified: see
 * docs/ARCHITECTURE.md §10 for the comparison). Its legend names each series with its colour and its total over
 * the range, or under the cursor the bucket's value; the time axis is in UTC, like the buckets.
 */
function timeChart(spec: ChartSpec, id: string): HTMLElement {
  const figure = el('figure', undefined, 'chart');
  figure.id = id;
  figure.append(el('figcaption', spec.title));
  const plot = el('div', undefined, 'plot');
  plot.setAttribute('role', 'img');
  plot.setAttribute('aria-label', `${spec.title}: ${spec.series.map((s) => `${s.label} ${total(s.values)}`).join(', ')}`);
  figure.append(plot);
  requestAnimationFrame(() => drawChart(plot, spec));
  return figure;
}

function total(values: (number | null)[]): number {
  let sum = 0;
  for (const v of values) sum += v ?? 0;
  return sum;
}

const utcDay = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' });
const utcHour = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;
/** Tick steps in seconds: hours that divide a day for hourly points, whole days (and weeks) for daily ones. */
const TIME_INCRS = {
  hour: [HOUR_S, 2 * HOUR_S, 3 * HOUR_S, 4 * HOUR_S, 6 * HOUR_S, 12 * HOUR_S, DAY_S],
  day: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S],
};
const COUNT_INCRS = [
  1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1e3, 2e3, 2.5e3, 5e3, 1e4, 2e4, 2.5e4, 5e4, 1e5, 2e5, 2.5e5, 5e5, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 2e8, 5e8,
  1e9,
];

/** A tick of the time axis: the hour, or the day at midnight and for daily points. */
function timeTick(seconds: number, grain: 'hour' | 'day'): string {
  const date = new Date(seconds * 1000);
  const hour = date.getUTCHours();
  return grain === 'hour' && hour !== 0 ? `${String(hour).padStart(2, '0')}:00` : utcDay.format(date);
}

function drawChart(plot: HTMLElement, spec: ChartSpec): void {
  const fg = themeColor('--vscode-foreground', '#888');
  const grid = themeColor('--vscode-widget-border', 'rgba(128,128,128,0.35)');
  const font = `11px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  const axis = { stroke: fg, font, grid: { stroke: translucent(grid, 0.5), width: 1 }, ticks: { stroke: grid, width: 1 } };
  const format = spec.format ?? ((v: number) => compact.format(v));
  const bucket = spec.grain === 'hour' ? HOUR_S : DAY_S;
  // Stacked: each series is drawn as the sum of itself and the ones before it, the tallest first, so each bar
  // shows through only above the ones drawn over it; the legend lists them top of the stack first.
  const order = spec.bars ? [...spec.series.keys()].reverse() : [...spec.series.keys()];
  const raw = spec.series.map((s) => s.values);
  let drawn: (number | null)[][] = raw;
  if (spec.bars) {
    const sums = new Array<number>(spec.at.length).fill(0);
    drawn = raw.map((values) => values.map((v, i) => (sums[i] += v ?? 0)));
  }
  const bars = uPlot.paths.bars?.({ size: [0.8, 36, 2], gap: 1 });
  const options: uPlot.Options = {
    width: Math.max(240, plot.clientWidth || 480),
    height: 200,
    // The buckets are UTC hours or days: the axis and the legend read in UTC too.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { live: true },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: {
      // Half a bucket on either side, so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - bucket / 2, max + bucket / 2] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [
      { ...axis, space: 56, incrs: TIME_INCRS[spec.grain], values: (_u, ticks) => ticks.map((t) => timeTick(t, spec.grain)) },
      // As wide as its longest label (a cost has more digits than a count), so none is cut at the edge; uPlot asks
      // once before it has the labels (null).
      {
        ...axis,
        size: (_u, values: string[] | null) => 16 + 7 * Math.max(3, ...(Array.isArray(values) ? values.map((v) => v.length) : [])),
        ...(spec.counts ? { incrs: COUNT_INCRS } : {}),
        values: (_u, ticks) => ticks.map((v) => format(v)),
      },
    ],
    series: [
      {
        label: spec.grain === 'hour' ? 'Hour (UTC)' : 'Day (UTC)',
        value: (_u, v: number | null) => (v === null ? 'all' : spec.grain === 'hour' ? utcHour.format(v * 1000) : utcDay.format(v * 1000)),
      },
      ...order.map((i) => {
        const s = spec.series[i];
        // The series' own value under the cursor (not the stacked sum it is drawn at), else its total.
        const value = (_u: uPlot, _v: number | null, _si: number, idx: number | null): string =>
          idx === null ? format(total(raw[i])) : format(raw[i][idx] ?? 0);
        return spec.bars
          ? { label: s.label, stroke: s.color, fill: s.color, width: 0, paths: bars, points: { show: false }, value }
          : { label: s.label, stroke: s.color, width: 2, points: { show: spec.at.length <= 31, size: 4, fill: s.color }, value };
      }),
    ],
  };
  const data: uPlot.AlignedData = [spec.at.map((t) => t / 1000), ...order.map((i) => drawn[i])];
  new uPlot(options, data, plot);
}

function card(label: string, value: string, id: string): HTMLElement {
  const node = el('div', undefined, 'card');
  node.append(el('div', label, 'label'));
  const v = el('div', value, 'value');
  v.id = id;
  node.append(v);
  return node;
}

function table(title: string, rows: DashboardRow[]): HTMLElement {
  const section = el('section');
  section.append(el('h2', title));
  if (!rows.length) {
    section.append(el('p', 'Nothing yet.', 'muted'));
    return section;
  }
  const t = el('table');
  const head = el('tr');
  for (const h of ['', 'Requests', 'Tokens', 'Errors', 'Failovers', 'Cost']) head.append(el('th', h));
  t.append(head);
  for (const row of rows.slice(0, 12)) {
    const tr = el('tr');
    tr.append(
      el('td', row.name),
      el('td', integer.format(row.requests)),
      el('td', compact.format(row.tokens)),
      el('td', integer.format(row.errors)),
      el('td', integer.format(row.failovers)),
      el('td', usd(row.costUsd)),
    );
    t.append(tr);
  }
  section.append(t);
  return section;
}

function quotaTable(quotas: DashboardQuota[]): HTMLElement {
  const section = el('section');
  section.append(el('h2', 'Remaining quota per key'));
  if (!quotas.length) {
    section.append(el('p', 'No provider has reported rate-limit headers yet.', 'muted'));
    return section;
  }
  const t = el('table');
  const head = el('tr');
  for (const h of ['Pool', 'Key', 'Model', 'Window', 'Remaining', 'Resets in']) head.append(el('th', h));
  t.append(head);
  for (const q of quotas) {
    const tr = el('tr');
    const left = q.remaining === undefined ? '—' : `${integer.format(q.remaining)}${q.limit === undefined ? '' : ` of ${integer.format(q.limit)}`}`;
    const resets = el('td', q.resetInMs === undefined ? '—' : countdown(q.resetInMs));
    if (q.resetInMs !== undefined) resets.dataset.resetInMs = String(q.resetInMs);
    tr.append(el('td', q.pool), el('td', q.key), el('td', q.model), el('td', q.window), el('td', left), resets);
    t.append(tr);
  }
  section.append(t);
  return section;
}

const RANGES: [DashboardRange, string][] = [
  ['24h', '24 hours'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
];
const DIMENSIONS: [DashboardDimension, string][] = [
  ['model', 'Model'],
  ['key', 'Key'],
  ['pool', 'Pool'],
  ['agent', 'Agent'],
];

/** What the user picked; kept by the webview while the panel is hidden. */
interface PageState {
  range: DashboardRange;
  by: DashboardDimension;
}
const state: PageState = { range: '7d', by: 'model', ...(vscodeApi.getState() ?? {}) };

/** A row of toggle buttons, one pressed. */
function segmented<T extends string>(label: string, id: string, options: [T, string][], current: T, pick: (value: T) => void): HTMLElement {
  const group = el('div', undefined, 'segmented');
  group.id = id;
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', label);
  for (const [value, text] of options) {
    const button = el('button', text);
    button.type = 'button';
    button.dataset.value = value;
    button.setAttribute('aria-pressed', String(value === current));
    button.addEventListener('click', () => value !== current && pick(value));
    group.append(button);
  }
  return group;
}

function palette(): string[] {
  return [
    themeColor('--vscode-charts-blue', '#3794ff'),
    themeColor('--vscode-charts-purple', '#b180d7'),
    themeColor('--vscode-charts-green', '#89d185'),
    themeColor('--vscode-charts-orange', '#d18616'),
    themeColor('--vscode-charts-yellow', '#cca700'),
    themeColor('--vscode-charts-red', '#f14c4c'),
  ];
}

function rangeTitle(range: DashboardRange): string {
  return RANGES.find(([r]) => r === range)?.[1] ?? range;
}

function render(data: DashboardData): void {
  const colors = palette();
  const [blue, purple, green, orange, , red] = colors;
  const other = themeColor('--vscode-descriptionForeground', '#999');
  const { totals, series } = data;
  const per = series.grain === 'hour' ? 'hour' : 'day';
  const header = el('header');
  const title = el('div', undefined, 'title');
  title.append(
    el('h1', `KeyBridge usage — last ${rangeTitle(data.range)}`),
    el('span', data.role === 'follower' ? 'served by another window' : `this window ${data.role === 'owner' ? 'owns the bridge' : `is ${data.role}`}`, 'muted'),
  );
  header.append(
    title,
    segmented('Range', 'range', RANGES, state.range, (range) => {
      state.range = range;
      vscodeApi.setState(state);
      vscodeApi.postMessage({ type: 'range', range });
      root.classList.add('loading');
      render(data);
    }),
  );
  const cards = el('div', undefined, 'cards');
  cards.append(
    card('Requests', integer.format(totals.requests), 'total-requests'),
    card('Tokens', compact.format(totals.tokens), 'total-tokens'),
    card('Errors', integer.format(totals.errors), 'total-errors'),
    card('Failovers', integer.format(totals.failovers), 'total-failovers'),
    card('Cache hit rate', data.cacheHitRate === null ? '—' : `${(data.cacheHitRate * 100).toFixed(1)}%`, 'cache-hit-rate'),
    card('Mean latency', `${integer.format(totals.meanLatencyMs)} ms`, 'mean-latency'),
    card('Cost (estimate)', usd(totals.costUsd), 'total-cost'),
  );

  const byLabel = DIMENSIONS.find(([d]) => d === state.by)?.[1].toLowerCase() ?? state.by;
  const stacks = series.by[state.by];
  const stackColor = (name: string, i: number): string => (name.startsWith('other (') ? other : colors[i % colors.length]);
  const over = el('section', undefined, 'over-time');
  const toolbar = el('div', undefined, 'toolbar');
  toolbar.append(
    el('h2', `Over time, per ${per}`),
    el('span', 'by', 'muted'),
    segmented('Break down by', 'by', DIMENSIONS, state.by, (by) => {
      state.by = by;
      vscodeApi.setState(state);
      render(data);
    }),
  );
  over.append(toolbar);
  const charts = el('div', undefined, 'charts');
  if (!series.at.length) charts.append(el('p', 'Nothing yet.', 'muted'));
  else {
    charts.append(
      timeChart(
        {
          title: `Tokens by ${byLabel}`,
          at: series.at,
          grain: series.grain,
          bars: true,
          series: stacks.map((s, i) => ({ label: s.name, color: stackColor(s.name, i), values: s.tokens })),
        },
        'chart-tokens-by',
      ),
      timeChart(
        {
          title: `Requests by ${byLabel}`,
          at: series.at,
          grain: series.grain,
          bars: true,
          counts: true,
          series: stacks.map((s, i) => ({ label: s.name, color: stackColor(s.name, i), values: s.requests })),
        },
        'chart-requests-by',
      ),
      timeChart(
        {
          title: 'Errors and failovers',
          at: series.at,
          grain: series.grain,
          counts: true,
          series: [
            { label: 'errors', color: red, values: series.errors },
            { label: 'failovers', color: orange, values: series.failovers },
          ],
        },
        'chart-errors',
      ),
      timeChart(
        {
          title: 'Tokens and cache reads',
          at: series.at,
          grain: series.grain,
          series: [
            { label: 'all tokens', color: purple, values: series.tokens },
            { label: 'cache reads', color: green, values: series.cacheReadTokens },
          ],
        },
        'chart-cache',
      ),
    );
    if (series.costUsd.every((c) => c === null)) {
      const none = el('figure', undefined, 'chart');
      none.append(el('figcaption', 'Cost (estimate, USD)'), el('p', 'No prices known for the models used: token counts are shown above.', 'muted'));
      charts.append(none);
    } else
      charts.append(
        timeChart(
          {
            title: `Cost per ${per} (estimate, USD)`,
            at: series.at,
            grain: series.grain,
            bars: true,
            format: (v) => usd(v),
            series: [{ label: 'USD', color: blue, values: series.costUsd }],
          },
          'chart-cost',
        ),
      );
  }
  over.append(charts);
  const tables = el('div', undefined, 'tables');
  tables.append(
    table('By model', data.breakdowns.model),
    table('By key', data.breakdowns.key),
    table('By pool', data.breakdowns.pool),
    table('By agent', data.breakdowns.agent),
  );
  root.replaceChildren(header, cards, over, quotaTable(data.quotas), tables);
}

// Resets count down between refreshes, so a glance shows the time left now.
setInterval(() => {
  const elapsed = Date.now() - receivedAt;
  for (const cell of root.querySelectorAll<HTMLElement>('[data-reset-in-ms]')) cell.textContent = countdown(Number(cell.dataset.resetInMs) - elapsed);
}, 1000);

window.addEventListener('message', (event: MessageEvent<{ type: string; data?: DashboardData; message?: string }>) => {
  const message = event.data;
  if (message.type === 'usage' && message.data) {
    // A report for another range than the one now picked is on its way out: the next one is.
    if (message.data.range !== state.range) return;
    root.classList.remove('loading');
    latest = message.data;
    receivedAt = Date.now();
    render(latest);
  } else if (message.type === 'error') {
    const note = el('p', `Usage not available: ${message.message ?? 'unknown error'}`, 'error');
    note.id = 'dashboard-error';
    if (latest) root.prepend(note);
    else root.replaceChildren(note);
  }
});
// Redrawn at the new width once the resizing settles, not at every step of it.
let resizing: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = window.setTimeout(() => latest && render(latest), 150);
});
vscodeApi.postMessage({ type: 'ready', range: state.range });
