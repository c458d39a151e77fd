/**
 * The comparison table: one row per run with the best (not last) validation metrics and the
 * epoch each was reached, test metrics, epochs run, time and backend; sorting and CSV export.
 * Pure, so the webview draws it and the tests check it the same way.
 */
import type { RunSummary } from './protocol';
import { bestOf, higherIsBetter } from './series';

/** A cell: text, a number, or nothing (the run has no such value). */
export type Cell = string | number | null;

/** A column of the comparison table. */
export interface ComparisonColumn {
  /** Stable key, e.g. `best:val_accuracy`, used for sorting and remembered by the webview. */
  key: string;
  /** Header text. */
  label: string;
  numeric: boolean;
  /** For metric columns: whether a higher value is better (the best cell is highlighted). */
  higherIsBetter?: boolean;
  /** How to show a number: a metric, an epoch/count, seconds. */
  format?: 'metric' | 'integer' | 'seconds' | 'rate';
}

/** One compared run and its cells by column key. */
export interface ComparisonRow {
  run: RunSummary;
  cells: Record<string, Cell>;
}

/** Columns for these runs: only metrics some run has, validation metrics ordered loss first. */
export function comparisonColumns(runs: readonly RunSummary[]): ComparisonColumn[] {
  const valMetrics = metricOrder(new Set(runs.flatMap((r) => Object.keys(r.history).filter((k) => k.startsWith('val_')))));
  const testMetrics = metricOrder(new Set(runs.flatMap((r) => Object.keys(r.test ?? {}))));
  const columns: ComparisonColumn[] = [{ key: 'run', label: 'Run', numeric: false }];
  if (new Set(runs.map((r) => r.spec)).size > 1) columns.push({ key: 'spec', label: 'Spec', numeric: false });
  columns.push({ key: 'status', label: 'Status', numeric: false });
  for (const m of valMetrics) {
    columns.push({ key: `best:${m}`, label: `Best ${m}`, numeric: true, higherIsBetter: higherIsBetter(m), format: 'metric' });
    columns.push({ key: `bestEpoch:${m}`, label: `Epoch (${m})`, numeric: true, format: 'integer' });
  }
  for (const m of testMetrics) {
    columns.push({ key: `test:${m}`, label: `Test ${m}`, numeric: true, higherIsBetter: higherIsBetter(m), format: 'metric' });
  }
  columns.push(
    { key: 'epochs', label: 'Epochs', numeric: true, format: 'integer' },
    { key: 'time', label: 'Time', numeric: true, format: 'seconds' },
    { key: 'samplesPerSecond', label: 'Samples/s', numeric: true, format: 'rate' },
    { key: 'backend', label: 'Backend', numeric: false },
  );
  return columns;
}

/** Loss first, then the rest alphabetically: the order Keras users read them in. */
function metricOrder(names: Set<string>): string[] {
  const rank = (n: string): number => (n.replace(/^val_/, '') === 'loss' ? 0 : 1);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The display name of a run: its variant, else its spec. */
export function runLabel(run: Pick<RunSummary, 'spec' | 'variant'>): string {
  return run.variant ?? run.spec;
}

/** The table's rows, one per run, in the given order. */
export function comparisonRows(runs: readonly RunSummary[], columns: readonly ComparisonColumn[]): ComparisonRow[] {
  return runs.map((run) => {
    const cells: Record<string, Cell> = {};
    for (const c of columns) cells[c.key] = cellOf(run, c.key);
    return { run, cells };
  });
}

function cellOf(run: RunSummary, key: string): Cell {
  const [kind, metric] = key.split(/:(.*)/s);
  switch (kind) {
    case 'run': return runLabel(run);
    case 'spec': return run.spec;
    case 'status': return run.stoppedEarly && run.status === 'completed' ? 'stopped early' : run.status;
    case 'best': return bestOf(run.history[metric], metric)?.value ?? null;
    case 'bestEpoch': return bestOf(run.history[metric], metric)?.epoch ?? null;
    case 'test': return run.test?.[metric] ?? null;
    case 'epochs': return run.epochsRun;
    case 'time': return run.durationSeconds;
    case 'samplesPerSecond': return run.samplesPerSecond;
    case 'backend': return run.backend;
    default: return null;
  }
}

/** Rows sorted by one column (a stable sort; empty cells last in either direction). */
export function sortRows(rows: readonly ComparisonRow[], key: string, direction: 'ascending' | 'descending'): ComparisonRow[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const x = a.row.cells[key] ?? null;
      const y = b.row.cells[key] ?? null;
      if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0) || a.index - b.index;
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return sign * order || a.index - b.index;
    })
    .map(({ row }) => row);
}

/** For each metric column, the row index holding the best value (ties: the first). */
export function bestCells(rows: readonly ComparisonRow[], columns: readonly ComparisonColumn[]): Map<string, number> {
  const best = new Map<string, number>();
  for (const c of columns) {
    if (c.higherIsBetter === undefined) continue;
    let at = -1;
    rows.forEach((row, i) => {
      const v = row.cells[c.key];
      if (typeof v !== 'number') return;
      const current = at < 0 ? null : (rows[at].cells[c.key] as number);
      if (current === null || (c.higherIsBetter ? v > current : v < current)) at = i;
    });
    if (at >= 0) best.set(c.key, at);
  }
  return best;
}

/**
 * The table as CSV (RFC 4180: quoted when needed, CRLF line ends). Numbers are written in
 * full; text cells that a spreadsheet would run as a formula get a leading apostrophe.
 */
export function toCsv(columns: readonly ComparisonColumn[], rows: readonly ComparisonRow[]): string {
  const lines = [columns.map((c) => csvField(c.label)), ...rows.map((r) => columns.map((c) => csvCell(r.cells[c.key] ?? null)))];
  return lines.map((fields) => fields.join(',')).join('\r\n') + '\r\n';
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return String(cell);
  return csvField(/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
