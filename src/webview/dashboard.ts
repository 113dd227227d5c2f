// The usage dashboard's page script (docs/ARCHITECTURE.md §10), bundled for the browser into dist/dashboard.js.
// It only draws what the extension posts: no network, no storage, nothing remote. Type-checked with the DOM
// library by its own tsconfig.json (the extension's code must not see browser globals).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { DashboardData, DashboardQuota, DashboardRow } from '../vscode/dashboardData';

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

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
  values: number[];
}

/**
 * A line chart of per-day series, drawn by uPlot (a chart library made for time series, 52 KB minified: see
 * docs/ARCHITECTURE.md §10 for the comparison). Our own legend and caption; uPlot's legend would repeat values
 * the tables below already give.
 */
function lineChart(title: string, labels: string[], series: Series[]): HTMLElement {
  const figure = el('figure', undefined, 'chart');
  figure.append(el('figcaption', title));
  const plot = el('div', undefined, 'plot');
  plot.setAttribute('role', 'img');
  plot.setAttribute('aria-label', `${title}: ${series.map((s) => `${s.label} ${s.values.reduce((a, b) => a + b, 0)}`).join(', ')}`);
  figure.append(plot);
  const legend = el('div', undefined, 'legend');
  for (const s of series) {
    const item = el('span', s.label);
    item.style.setProperty('--swatch', s.color);
    legend.append(item);
  }
  figure.append(legend);
  requestAnimationFrame(() => drawChart(plot, labels, series));
  return figure;
}

function drawChart(plot: HTMLElement, labels: string[], series: Series[]): void {
  const fg = themeColor('--vscode-foreground', '#888');
  const grid = themeColor('--vscode-widget-border', 'rgba(128,128,128,0.35)');
  const font = `11px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  const axis = { stroke: fg, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const options: uPlot.Options = {
    width: plot.clientWidth || 480,
    height: 180,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    // One point per day with data, labelled by its day: a time axis would stretch a single day across years.
    scales: { x: { time: false, range: () => [-0.5, labels.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: [
      { ...axis, incrs: [1, 2, 7], values: (_u, ticks) => ticks.map((t) => labels[t]?.slice(5) ?? '') },
      { ...axis, values: (_u, ticks) => ticks.map((v) => compact.format(v)) },
    ],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true, size: 5, fill: s.color } }))],
  };
  const data: uPlot.AlignedData = [labels.map((_, i) => i), ...series.map((s) => s.values)];
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
    tr.append(el('td', row.name), el('td', integer.format(row.requests)), el('td', compact.format(row.tokens)), el('td', integer.format(row.errors)), el('td', integer.format(row.failovers)), el('td', usd(row.costUsd)));
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

function render(data: DashboardData): void {
  const colors = {
    blue: themeColor('--vscode-charts-blue', '#3794ff'),
    red: themeColor('--vscode-charts-red', '#f14c4c'),
    orange: themeColor('--vscode-charts-orange', '#d18616'),
    green: themeColor('--vscode-charts-green', '#89d185'),
    purple: themeColor('--vscode-charts-purple', '#b180d7'),
  };
  const { totals } = data;
  const days = data.days.map((d) => d.name);
  const header = el('header');
  header.append(el('h1', 'KeyBridge usage — last 14 days'), el('span', data.role === 'follower' ? 'served by another window' : data.role, 'muted'));
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
  const charts = el('div', undefined, 'charts');
  charts.append(
    lineChart('Requests per day', days, [{ label: 'requests', color: colors.blue, values: data.days.map((d) => d.requests) }]),
    lineChart('Tokens per day', days, [
      { label: 'tokens', color: colors.purple, values: data.days.map((d) => d.tokens) },
      { label: 'cache reads', color: colors.green, values: data.days.map((d) => d.cacheReadTokens) },
    ]),
    lineChart('Errors and failovers per day', days, [
      { label: 'errors', color: colors.red, values: data.days.map((d) => d.errors) },
      { label: 'failovers', color: colors.orange, values: data.days.map((d) => d.failovers) },
    ]),
  );
  const costs = el('section');
  costs.append(el('h2', 'Cost per day (estimate)'));
  if (data.days.every((d) => d.costUsd === null)) costs.append(el('p', 'No prices yet: token counts are shown above.', 'muted'));
  else costs.append(lineChart('Cost per day (USD)', days, [{ label: 'USD', color: colors.green, values: data.days.map((d) => d.costUsd ?? 0) }]));
  const tables = el('div', undefined, 'tables');
  tables.append(table('By model', data.breakdowns.model), table('By key', data.breakdowns.key), table('By pool', data.breakdowns.pool), table('By agent', data.breakdowns.agent));
  root.replaceChildren(header, cards, charts, quotaTable(data.quotas), costs, tables);
}

// Resets count down between refreshes, so a glance shows the time left now.
setInterval(() => {
  const elapsed = Date.now() - receivedAt;
  for (const cell of root.querySelectorAll<HTMLElement>('[data-reset-in-ms]')) cell.textContent = countdown(Number(cell.dataset.resetInMs) - elapsed);
}, 1000);

window.addEventListener('message', (event: MessageEvent<{ type: string; data?: DashboardData; message?: string }>) => {
  const message = event.data;
  if (message.type === 'usage' && message.data) {
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
window.addEventListener('resize', () => latest && render(latest));
vscodeApi.postMessage({ type: 'ready' });
