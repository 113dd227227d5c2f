import type { UsageLine, UsageReport, UsageTotals } from '../core/usage/usageQuery';

const COLUMNS: [string, (t: UsageTotals) => string][] = [
  ['requests', (t) => count(t.requests)],
  ['failed', (t) => count(t.errors)],
  ['failovers', (t) => count(t.failovers)],
  ['input', (t) => count(t.inputTokens)],
  ['output', (t) => count(t.outputTokens)],
  ['cache read', (t) => count(t.cacheReadTokens)],
  ['cache write', (t) => count(t.cacheWriteTokens)],
  ['mean ms', (t) => count(t.meanLatencyMs)],
  ['cost (est.)', (t) => usd(t.costUsd)],
];

function usd(n: number | null): string {
  if (n === null) return '-';
  return `$${n < 0.01 && n > 0 ? n.toPrecision(2) : n.toFixed(2)}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function label(line: UsageLine, by: string): string {
  if (by !== 'key') return line.name;
  return [line.pool, line.keyMasked ?? line.name].filter(Boolean).join('/');
}

/** `keybridge usage` as text: the totals, then one table per breakdown, columns aligned. */
export function usageText(report: UsageReport, file: string): string {
  const out = [`usage from ${time(report.from)} to ${time(report.to)} (${file})`];
  const t = report.totals;
  out.push(
    `total: ${count(t.requests)} request(s), ${count(t.errors)} failed, ${count(t.failovers)} failover(s); tokens: input ${count(t.inputTokens)}, output ${count(t.outputTokens)}, cache read ${count(t.cacheReadTokens)}, cache write ${count(t.cacheWriteTokens)}`,
  );
  // Always called an estimate: the prices are list prices (or the config's), and a rollup prices at the base tier.
  const unpriced = t.unpricedTokens ? `; ${count(t.unpricedTokens)} token(s) of models without a known price left out` : '';
  out.push(t.costUsd === null ? `cost (estimate): unknown — no price known for the models used${unpriced}` : `cost (estimate): ${usd(t.costUsd)}${unpriced}`);
  for (const [by, lines] of Object.entries(report.breakdowns)) {
    out.push(
      '',
      table(
        [`by ${by}`, ...COLUMNS.map(([name]) => name)],
        lines.map((line) => [label(line, by), ...COLUMNS.map(([, cell]) => cell(line))]),
      ),
    );
  }
  const series = report.series;
  if (series) {
    // The points with requests; the JSON has every bucket, and the series per model, key, pool and agent.
    const total = series.total;
    const rows = series.at.flatMap((at, i) =>
      total.requests[i]
        ? [
            [
              time(at).slice(0, series.grain === 'day' ? 10 : 16),
              count(total.requests[i]),
              count(total.errors[i]),
              count(total.failovers[i]),
              count(total.tokens[i]),
              usd(total.costUsd[i]),
            ],
          ]
        : [],
    );
    out.push('', table([`per ${series.grain} (UTC)`, 'requests', 'failed', 'failovers', 'tokens', 'cost (est.)'], rows));
  }
  return `${out.join('\n')}\n`;
}

function table(head: string[], rows: string[][]): string {
  if (!rows.length) return `${head[0]}: no requests`;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // The first column reads left to right; the numbers line up on the right.
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
