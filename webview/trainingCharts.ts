/**
 * Live charts of one run: one chart per metric with train and validation together, per-epoch
 * points over a faint per-batch line, optional smoothing (raw curve left faint), a log scale for
 * loss, and the best epoch, early stopping and learning-rate changes marked.
 */
import type { RunView } from '../src/panel/protocol';
import { isLearningRate } from '../src/shared/kerasLog';
import { smooth } from '../src/panel/series';
import { LineChart, type ChartData, type ChartMarker, type LineSeries } from './chart';
import type { ViewContext } from './context';
import { formatMetric, h, setText } from './dom';
import type { ChartTheme } from './theme';
import { button, checkbox, type Checkbox } from './ui';

const CHART_HEIGHT = 220;

/**
 * The metrics a run has charts for: `loss` first, then the others in the order Keras logs them.
 * The learning rate is not a curve of its own (ReduceLROnPlateau's changes are marked instead).
 */
export function chartedMetrics(run: RunView): string[] {
  const names = new Set<string>();
  for (const key of [...Object.keys(run.history), ...Object.keys(run.batches.values)]) {
    const base = key.replace(/^val_/, '');
    if (!isLearningRate(base)) names.add(base);
  }
  return [...names].sort((a, b) => (a === 'loss' ? -1 : b === 'loss' ? 1 : 0));
}

interface MetricFigure {
  figure: HTMLElement;
  chart: LineChart;
  logScale: Checkbox | null;
}

/** The charts section. */
export class TrainingCharts {
  readonly element: HTMLElement;
  private readonly grid = h('div', { class: 'chart-grid' });
  private readonly smoothingInput: HTMLInputElement;
  private readonly smoothingValue = h('output', { attrs: { for: 'smoothing' } });
  private readonly figures = new Map<string, MetricFigure>();
  private runId: string | null = null;
  private key = '';
  private theme: ChartTheme;

  constructor(private readonly ctx: ViewContext) {
    this.theme = ctx.theme();
    this.smoothingInput = h('input', {
      attrs: { type: 'range', id: 'smoothing', min: '0', max: '0.95', step: '0.05', 'aria-describedby': 'smoothing-help' },
    });
    this.smoothingInput.value = String(ctx.ui.smoothing);
    this.smoothingInput.addEventListener('input', () => ctx.setUi({ smoothing: Number(this.smoothingInput.value) }));
    this.element = h('section', { class: 'charts', attrs: { 'aria-labelledby': 'charts-heading' } },
      h('div', { class: 'section-title' },
        h('h2', { attrs: { id: 'charts-heading' } }, 'Learning curves'),
        h('span', { class: 'spacer' }),
        h('label', { attrs: { for: 'smoothing' } }, 'Smoothing'),
        this.smoothingInput, this.smoothingValue,
        h('span', { class: 'sr-only', attrs: { id: 'smoothing-help' } }, 'Smooths the epoch curves; the raw curves stay faint.')),
      this.grid);
  }

  /** Redraws the charts if anything they show changed; `themeChanged` forces it. */
  render(run: RunView | null, themeChanged: boolean): void {
    const ui = this.ctx.ui;
    if (themeChanged) {
      this.theme = this.ctx.theme();
      this.key = '';
    }
    setText(this.smoothingValue, ui.smoothing.toFixed(2));
    if (this.smoothingInput.value !== String(ui.smoothing)) this.smoothingInput.value = String(ui.smoothing);
    const key = JSON.stringify([
      run?.id, run?.batches.seen, run?.progress?.step, run?.history.loss?.length, run?.status, run?.bestEpoch,
      run?.markers.length, ui.smoothing, ui.logScale,
    ]);
    if (key === this.key) return;
    this.key = key;
    this.element.hidden = !run;
    if (!run) return;
    if (run.id !== this.runId) {
      for (const f of this.figures.values()) f.chart.destroy();
      this.figures.clear();
      this.grid.replaceChildren();
      this.runId = run.id;
    }
    for (const metric of chartedMetrics(run)) {
      const figure = this.figures.get(metric) ?? this.addFigure(metric);
      const data = metricChartData(run, metric, ui.smoothing, this.theme);
      const logY = ui.logScale && metric.includes('loss');
      figure.logScale?.set(ui.logScale);
      figure.chart.update(data, { logY, theme: this.theme });
      figure.figure.dataset.epochPoints = String(countValues(run.history[metric]) + countValues(run.history[`val_${metric}`]));
      figure.figure.dataset.batchPoints = String(run.batches.values[metric]?.length ?? 0);
      // The canvas is an image to assistive technology: this text is what it shows.
      figure.chart.element.setAttribute('aria-label', describe(run, metric));
    }
  }

  private addFigure(metric: string): MetricFigure {
    const chart = new LineChart({ logY: false, xLabel: 'epoch', height: CHART_HEIGHT, theme: this.theme });
    chart.element.setAttribute('role', 'img');
    const logScale = metric.includes('loss')
      ? checkbox('Log scale', this.ctx.ui.logScale, (checked) => this.ctx.setUi({ logScale: checked }))
      : null;
    const save = button('Save PNG', () => {
      this.ctx.post({ type: 'exportPng', fileName: `${metric}.png`, dataUrl: chart.toPng(metric) });
    }, { secondary: true, title: `Save the ${metric} chart as a PNG image` });
    const figure = h('figure', { class: 'chart', attrs: { 'data-metric': metric } },
      h('figcaption', null, h('span', { class: 'chart-title' }, metric), h('span', { class: 'spacer' }), logScale?.element, save),
      chart.element);
    this.grid.append(figure);
    const entry = { figure, chart, logScale };
    this.figures.set(metric, entry);
    return entry;
  }
}

function countValues(values: readonly (number | null)[] | undefined): number {
  return values?.filter((v) => v !== null).length ?? 0;
}

/** The chart of one metric: per-batch line, train and validation per epoch, raw curves when smoothed. */
export function metricChartData(run: RunView, metric: string, smoothing: number, theme: ChartTheme): ChartData {
  const train = run.history[metric] ?? [];
  const val = run.history[`val_${metric}`];
  const batchX = run.batches.x.slice();
  const batchY = (run.batches.values[metric] ?? []).slice();
  // The newest running mean may not be among the kept (thinned) points: always show it.
  const live = run.progress?.metrics[metric];
  if (run.progress && live !== undefined) {
    const x = run.progress.epoch - 1 + run.progress.step / Math.max(1, run.progress.steps);
    if (batchX.length === 0 || x > batchX[batchX.length - 1]) {
      batchX.push(x);
      batchY.push(Number.isFinite(live) ? live : null);
    }
  }
  const epochs = Math.max(train.length, val?.length ?? 0);
  // Merge the two ascending x series (fractional batch positions, whole epochs) into one axis.
  const x: number[] = [];
  const batchAt: number[] = [];
  const epochAt: number[] = [];
  // Both are ascending; a batch that ends an epoch lands on that epoch's x.
  const at = (value: number): number => {
    if (x.length === 0 || x[x.length - 1] !== value) x.push(value);
    return x.length - 1;
  };
  let b = 0;
  for (let e = 1; e <= epochs; e++) {
    while (b < batchX.length && batchX[b] <= e) batchAt.push(at(batchX[b++]));
    epochAt.push(at(e));
  }
  while (b < batchX.length) batchAt.push(at(batchX[b++]));
  const column = (positions: number[], values: readonly (number | null)[]): (number | null)[] => {
    const out = new Array<number | null>(x.length).fill(null);
    positions.forEach((p, k) => {
      if (k < values.length) out[p] = values[k];
    });
    return out;
  };
  const series: LineSeries[] = [];
  if (batchY.length) series.push({ label: `${metric} per batch`, color: theme.train, values: column(batchAt, batchY), faint: true });
  const curve = (label: string, color: string, values: readonly (number | null)[], dash?: number[]): void => {
    if (smoothing > 0) {
      series.push({ label: `${label} (raw)`, color, values: column(epochAt, values), faint: true, points: true, dash });
      series.push({ label, color, values: column(epochAt, smooth(values, smoothing)), dash });
    } else {
      series.push({ label, color, values: column(epochAt, values), points: true, dash });
    }
  };
  if (train.length) curve('train', theme.train, train);
  if (val) curve('validation', theme.validation, val);
  return { x, series, markers: runMarkers(run, theme) };
}

/** Best epoch, early stopping and learning-rate changes as chart markers. */
export function runMarkers(run: RunView, theme: ChartTheme): ChartMarker[] {
  const markers: ChartMarker[] = [];
  if (run.bestEpoch !== null) markers.push({ x: run.bestEpoch, label: `best ${run.bestEpoch}`, color: theme.best, dash: [4, 3] });
  for (const m of run.markers) {
    if (m.kind === 'earlyStopping') markers.push({ x: m.epoch, label: 'early stop', color: theme.stopped, dash: [] });
    else markers.push({ x: m.epoch, label: `lr ${formatRate(m.to)}`, color: theme.learningRate, dash: [2, 2] });
  }
  return markers;
}

function formatRate(rate: number): string {
  return String(Number(rate.toPrecision(3)));
}

/** A text version of a chart, for screen readers. */
function describe(run: RunView, metric: string): string {
  const train = run.history[metric] ?? [];
  const val = run.history[`val_${metric}`];
  const parts = [`${metric} by epoch.`];
  if (train.length) parts.push(`Epoch ${train.length}: train ${formatMetric(train[train.length - 1])}${val ? `, validation ${formatMetric(val[val.length - 1])}` : ''}.`);
  else if (run.progress) parts.push(`Epoch ${run.progress.epoch} in progress: ${formatMetric(run.progress.metrics[metric])}.`);
  if (run.bestEpoch !== null) parts.push(`Best epoch ${run.bestEpoch}${run.bestMonitor ? ` by ${run.bestMonitor}` : ''}.`);
  for (const m of run.markers) {
    parts.push(m.kind === 'earlyStopping' ? `Stopped early at epoch ${m.epoch}.` : `Learning rate ${formatRate(m.from)} to ${formatRate(m.to)} after epoch ${m.epoch}.`);
  }
  return parts.join(' ');
}
