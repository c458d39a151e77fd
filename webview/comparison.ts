/**
 * The comparison: pick runs (the latest of each variant of the spec by default), overlay their
 * validation curves, and a table sortable by any column (mouse or keyboard) with the best (not
 * last) validation metrics, test metrics, epochs, time and backend. Exports CSV and PNG.
 */
import {
  bestCells, comparisonColumns, comparisonRows, runLabel, sortRows, toCsv, type ComparisonColumn, type ComparisonRow,
} from '../src/panel/compare';
import type { PanelState, RunSummary } from '../src/panel/protocol';
import { higherIsBetter } from '../src/panel/series';
import { comparedRuns, listRuns } from '../src/panel/state';
import { LineChart, type LineSeries } from './chart';
import type { UiState, ViewContext } from './context';
import { formatInteger, formatMetric, formatSeconds, h } from './dom';
import type { ChartTheme } from './theme';
import { button, checkbox, dropdown, type Checkbox, type Dropdown } from './ui';

/** Dash patterns for runs beyond the palette's colours. */
const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3]];

/** The colour and dash of the `i`-th compared run, in every view that overlays runs. */
export function runStyle(i: number, theme: ChartTheme): { color: string; dash: number[] } {
  const palette = theme.palette;
  return { color: palette[i % palette.length], dash: DASHES[Math.floor(i / palette.length) % DASHES.length] };
}

/** The comparison tab. */
export class Comparison {
  readonly element: HTMLElement;
  private readonly picker = h('fieldset', { class: 'run-picker' });
  private readonly tableHost = h('div', { class: 'table-scroll' });
  private readonly chartFigure: HTMLElement;
  private readonly chart: LineChart;
  private readonly metric: Dropdown;
  private readonly logScale: Checkbox;
  private readonly empty = h('p', { class: 'muted' }, 'No runs to compare yet.');
  private theme: ChartTheme;
  private pickerKey = '';
  private key = '';
  private columns: ComparisonColumn[] = [];
  private rows: ComparisonRow[] = [];
  private chartMetric = '';

  constructor(private readonly ctx: ViewContext) {
    this.theme = ctx.theme();
    this.chart = new LineChart({ logY: false, xLabel: 'epoch', height: 260, theme: this.theme });
    this.chart.element.setAttribute('role', 'img');
    this.metric = dropdown('Validation metric to overlay', (value) => ctx.setUi({ compareMetric: value }));
    // Close validation losses differ by a factor, not by a step: a log scale separates them.
    this.logScale = checkbox('Log scale', ctx.ui.logScale, (checked) => ctx.setUi({ logScale: checked }));
    this.chartFigure = h('figure', { class: 'chart compare-chart', attrs: { 'data-testid': 'compare-chart' } },
      h('figcaption', null, h('span', { class: 'chart-title' }, 'Validation curves'), h('span', { class: 'spacer' }),
        this.logScale.element, this.metric.element,
        button('Save PNG', () => this.exportPng(), { secondary: true, title: 'Save this chart as a PNG image' })),
      this.chart.element);
    this.element = h('section', { class: 'comparison', attrs: { 'aria-labelledby': 'compare-heading' } },
      h('div', { class: 'section-title' },
        h('h2', { attrs: { id: 'compare-heading' } }, 'Compare runs'),
        h('span', { class: 'spacer' }),
        button('Export CSV', () => this.exportCsv(), { title: 'Save the comparison table as CSV' })),
      this.empty, this.picker, this.chartFigure, this.tableHost);
  }

  /** Redraws what changed: the picker, the table, the chart (all of them after a theme change). */
  render(state: PanelState, themeChanged: boolean): void {
    const ui = this.ctx.ui;
    if (themeChanged) {
      this.theme = this.ctx.theme();
      this.key = '';
    }
    const all = listRuns(state);
    const runs = comparedRuns(state);
    const key = JSON.stringify([all.map((r) => [r.id, r.status, r.epochsRun, r.test]), runs.map((r) => r.id), ui.sort, ui.compareMetric, ui.logScale]);
    if (key === this.key) return;
    this.key = key;
    this.empty.hidden = all.length > 0;
    this.renderPicker(all, runs);
    this.columns = comparisonColumns(runs);
    this.rows = comparisonRows(runs, this.columns);
    const sort = ui.sort ?? defaultSort(this.columns);
    if (sort) this.rows = sortRows(this.rows, sort.key, sort.direction);
    this.renderTable(sort);
    this.renderChart(runs, ui);
  }

  private renderPicker(all: RunSummary[], compared: RunSummary[]): void {
    const key = JSON.stringify([all.map((r) => [r.id, r.variant, r.status]), compared.map((r) => r.id)]);
    if (key === this.pickerKey) return;
    this.pickerKey = key;
    const picked = new Set(compared.map((r) => r.id));
    const bySpec = new Map<string, RunSummary[]>();
    for (const r of all) bySpec.set(r.spec, [...(bySpec.get(r.spec) ?? []), r]);
    this.picker.replaceChildren(h('legend', null, 'Runs to compare'));
    this.picker.hidden = all.length === 0;
    for (const [spec, runs] of bySpec) {
      const group = h('div', { class: 'picker-group', attrs: { role: 'group', 'aria-label': spec } }, h('span', { class: 'picker-spec muted' }, spec));
      for (const r of runs) {
        const box = checkbox(`${runLabel(r)} \u00b7 ${startedLabel(r)} \u00b7 ${r.status}`, picked.has(r.id), (checked) => {
          const next = new Set(picked);
          if (checked) next.add(r.id);
          else next.delete(r.id);
          this.ctx.post({ type: 'selectRuns', runIds: all.filter((x) => next.has(x.id)).map((x) => x.id) });
        });
        box.element.dataset.runId = r.id;
        group.append(box.element);
      }
      this.picker.append(group);
    }
    this.picker.append(button('Latest of each variant', () => this.ctx.post({ type: 'selectRuns', runIds: null }), {
      secondary: true, title: 'Compare the latest run of each variant of this spec',
    }));
  }

  private renderTable(sort: UiState['sort']): void {
    const best = bestCells(this.rows, this.columns);
    const header = h('tr', null, ...this.columns.map((c) => {
      const direction = sort?.key === c.key ? sort.direction : null;
      const th = h('th', { class: c.numeric ? 'num' : '', attrs: { scope: 'col', 'aria-sort': direction ?? 'none' } });
      // A real button: focusable, and Enter or Space sorts, with no extra key handling.
      const sortButton = h('button', { class: 'sort-button', attrs: { type: 'button', 'data-key': c.key } },
        c.label, h('span', { class: 'sort-arrow', attrs: { 'aria-hidden': 'true' } }, direction === 'ascending' ? ' \u25b2' : direction === 'descending' ? ' \u25bc' : ''));
      sortButton.addEventListener('click', () => {
        const nextDirection = direction === null ? (c.higherIsBetter ? 'descending' : 'ascending') : direction === 'ascending' ? 'descending' : 'ascending';
        this.ctx.setUi({ sort: { key: c.key, direction: nextDirection } });
      });
      th.append(sortButton);
      return th;
    }));
    const body = this.rows.map((row, i) => h('tr', { attrs: { 'data-run-id': row.run.id } }, ...this.columns.map((c) => {
      const value = row.cells[c.key] ?? null;
      const isBest = best.get(c.key) === i && this.rows.length > 1;
      if (c.key === 'run') {
        const open = h('button', { class: 'link-button', attrs: { type: 'button', title: 'Show this run' } }, String(value ?? ''));
        open.addEventListener('click', () => {
          this.ctx.post({ type: 'openRun', runId: row.run.id });
          this.ctx.setUi({ tab: 'training' });
        });
        return h('th', { attrs: { scope: 'row' } }, open);
      }
      return h('td', { class: `${c.numeric ? 'num' : ''}${isBest ? ' best' : ''}` },
        formatCell(c, value), isBest ? h('span', { class: 'sr-only' }, ' (best)') : null);
    })));
    this.tableHost.replaceChildren(this.rows.length ? h('table', { class: 'compare-table', attrs: { 'data-testid': 'compare-table' } },
      h('caption', { class: 'sr-only' }, 'Compared runs; column headers sort the table'),
      h('thead', null, header), h('tbody', null, ...body)) : h('p', { class: 'muted' }, 'Pick runs to compare.'));
  }

  private renderChart(runs: RunSummary[], ui: UiState): void {
    const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.history).filter((k) => k.startsWith('val_'))))].sort();
    this.chartFigure.hidden = metrics.length === 0;
    if (!metrics.length) return;
    const preferred = ['val_accuracy', 'val_loss'].find((m) => metrics.includes(m)) ?? metrics[0];
    const metric = ui.compareMetric && metrics.includes(ui.compareMetric) ? ui.compareMetric : preferred;
    this.chartMetric = metric;
    this.metric.setOptions(metrics.map((m) => ({ value: m, label: m })), metric);
    const epochs = runs.reduce((n, r) => Math.max(n, r.history[metric]?.length ?? 0), 0);
    const x = Array.from({ length: epochs }, (_, i) => i + 1);
    const series: LineSeries[] = runs.map((r, i) => ({
      label: runLabel(r),
      ...runStyle(i, this.theme),
      points: true,
      values: x.map((_, e) => r.history[metric]?.[e] ?? null),
    }));
    const lossLike = metric.includes('loss');
    this.logScale.element.hidden = !lossLike;
    this.logScale.set(ui.logScale);
    this.chart.update({ x, series, markers: [] }, { theme: this.theme, logY: lossLike && ui.logScale });
    this.chartFigure.dataset.series = String(series.length);
    this.chartFigure.dataset.metric = metric;
    const higher = higherIsBetter(metric);
    this.chart.element.setAttribute('aria-label', `${metric} by epoch for ${runs.length} runs. `
      + runs.map((r) => `${runLabel(r)}: best ${formatMetric(bestValue(r.history[metric], higher))}`).join('; '));
  }

  private exportCsv(): void {
    const spec = this.rows[0]?.run.spec ?? 'runs';
    this.ctx.post({ type: 'exportCsv', fileName: `${spec}-comparison.csv`, csv: toCsv(this.columns, this.rows) });
  }

  private exportPng(): void {
    this.ctx.post({ type: 'exportPng', fileName: `${this.chartMetric || 'comparison'}.png`, dataUrl: this.chart.toPng(`${this.chartMetric} by epoch`) });
  }
}

/** Best of the first validation metric, in its better direction: the notebook's question. */
function defaultSort(columns: ComparisonColumn[]): UiState['sort'] {
  const first = columns.find((c) => c.key === 'best:val_accuracy') ?? columns.find((c) => c.key.startsWith('best:'));
  return first ? { key: first.key, direction: first.higherIsBetter ? 'descending' : 'ascending' } : null;
}

function bestValue(values: readonly (number | null)[] | undefined, higher: boolean): number | null {
  const present = (values ?? []).filter((v): v is number => v !== null);
  if (!present.length) return null;
  return higher ? Math.max(...present) : Math.min(...present);
}

function formatCell(column: ComparisonColumn, value: string | number | null): string {
  if (value === null) return '-';
  if (typeof value === 'string') return value;
  switch (column.format) {
    case 'metric': return formatMetric(value);
    case 'seconds': return formatSeconds(value);
    default: return formatInteger(value);
  }
}

function startedLabel(r: RunSummary): string {
  if (r.startedAt) {
    const d = new Date(r.startedAt);
    if (!Number.isNaN(d.getTime())) return d.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  }
  return r.id.split(/[\\/]/).pop() ?? r.id;
}
