/**
 * A line chart on uPlot: series over one x axis (epochs), faint series left out of the legend,
 * vertical markers with labels (best epoch, early stopping, learning-rate changes), and export
 * to PNG. New data redraws the same plot; new series styles, a log-scale toggle or a theme
 * change rebuild it.
 */
import uPlot from 'uplot';
import { formatMetric } from './dom';
import type { ChartTheme } from './theme';

/** One line. */
export interface LineSeries {
  label: string;
  color: string;
  /** Aligned with the chart's x values; `null` where the series has no value. */
  values: (number | null)[];
  /** Thin and translucent (raw curve under a smoothed one, per-batch line), and not in the legend. */
  faint?: boolean;
  points?: boolean;
  dash?: number[];
}

/** A vertical line at `x` with a label at the top. */
export interface ChartMarker {
  x: number;
  label: string;
  color: string;
  dash: number[];
}

/** What to draw. */
export interface ChartData {
  x: number[];
  series: LineSeries[];
  markers: ChartMarker[];
}

/** How to draw it. */
export interface ChartOptions {
  logY: boolean;
  xLabel: string;
  height: number;
  theme: ChartTheme;
}

/** A chart in `element`; sized to its width. */
export class LineChart {
  readonly element: HTMLElement;
  private plot: uPlot | null = null;
  /** The series styles and options the plot was built with: any change rebuilds it. */
  private shape = '';
  private markers: ChartMarker[] = [];
  /** The legend's series (faint ones left out), for the PNG. */
  private legend: { label: string; color: string }[] = [];
  private options: ChartOptions;
  private readonly resizeObserver: ResizeObserver;

  constructor(options: ChartOptions) {
    this.options = options;
    this.element = document.createElement('div');
    this.element.className = 'chart-canvas';
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(this.element);
  }

  /** Draws `data`; `options` replaces the chart's options (log scale, theme). */
  update(data: ChartData, options: Partial<ChartOptions> = {}): void {
    this.options = { ...this.options, ...options };
    this.markers = data.markers;
    this.legend = data.series.filter((s) => !s.faint).map((s) => ({ label: s.label, color: s.color }));
    const shape = JSON.stringify([
      data.series.map((s) => [s.label, s.color, s.faint, s.points, s.dash]),
      this.options.logY, this.options.xLabel, this.options.theme,
    ]);
    const aligned = this.aligned(data);
    if (this.plot && shape === this.shape) {
      this.plot.setData(aligned);
      return;
    }
    this.plot?.destroy();
    this.shape = shape;
    this.plot = new uPlot(this.plotOptions(data), aligned, this.element);
  }

  /** The chart as a PNG data URL: the theme's background, a title, the plot, and a legend line. */
  toPng(title: string): string {
    const plot = this.plot;
    const canvas = document.createElement('canvas');
    const source = plot?.ctx.canvas;
    const ratio = window.devicePixelRatio || 1;
    const t = this.options.theme;
    const pad = 12 * ratio;
    const line = (t.fontSize + 6) * ratio;
    canvas.width = (source?.width ?? 400) + 2 * pad;
    canvas.height = (source?.height ?? 200) + 2 * pad + 2 * line;
    const ctx = canvas.getContext('2d');
    if (!ctx) return '';
    ctx.fillStyle = t.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = t.foreground;
    ctx.font = `600 ${t.fontSize * ratio}px ${t.font}`;
    ctx.textBaseline = 'top';
    ctx.fillText(title, pad, pad);
    if (source) ctx.drawImage(source, pad, pad + line);
    // The legend is HTML in the panel: write its labels under the plot in their colours.
    let x = pad;
    const y = canvas.height - pad - line + 4 * ratio;
    ctx.font = `${t.fontSize * ratio}px ${t.font}`;
    for (const s of this.legend) {
      ctx.fillStyle = s.color;
      ctx.fillRect(x, y + t.fontSize * ratio / 2 - ratio, 14 * ratio, 2 * ratio);
      ctx.fillStyle = t.foreground;
      ctx.fillText(s.label, x + 18 * ratio, y);
      x += ctx.measureText(s.label).width + 34 * ratio;
    }
    return canvas.toDataURL('image/png');
  }

  /** Stops watching the element's size and frees the plot. */
  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private fit(): void {
    const width = this.element.clientWidth;
    // Zero while the tab holding the chart is hidden: resize when it shows again.
    if (this.plot && width > 0 && width !== this.plot.width) this.plot.setSize({ width, height: this.options.height });
  }

  private aligned(data: ChartData): uPlot.AlignedData {
    // A log scale has no place for zero or negative values: leave those out.
    const ys = data.series.map((s) => (this.options.logY ? s.values.map((v) => (v !== null && v > 0 ? v : null)) : s.values));
    return [data.x, ...ys];
  }

  private plotOptions(data: ChartData): uPlot.Options {
    const t = this.options.theme;
    const font = `${t.fontSize - 1}px ${t.font}`;
    const axis: uPlot.Axis = { stroke: t.muted, font, labelFont: font, grid: { stroke: t.grid, width: 1 }, ticks: { stroke: t.grid, width: 1 } };
    return {
      width: this.element.clientWidth || 480,
      height: this.options.height,
      series: [
        // Empty values (no cursor over the plot) let the legend's CSS show just the series names.
        { label: this.options.xLabel, value: (_u, v) => (v === null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(2)) },
        ...data.series.map((s): uPlot.Series => ({
          label: s.label,
          class: s.faint ? 'faint' : undefined,
          stroke: s.color,
          width: s.faint ? 1 : 2,
          alpha: s.faint ? 0.35 : 1,
          dash: s.dash,
          // Epoch values are joined across the per-batch x positions between them.
          spanGaps: true,
          points: { show: s.points ?? false, size: 5, fill: s.color, stroke: s.color },
          value: (_u, v) => (v === null ? '' : formatMetric(v)),
        })),
      ],
      scales: {
        x: { time: false },
        y: this.options.logY ? { distr: 3, log: 10 } : {},
      },
      axes: [
        { ...axis, label: this.options.xLabel, labelSize: t.fontSize + 8, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] },
        { ...axis, size: 60, values: (_u, splits) => splits.map((v) => formatTick(v)), ...(this.options.logY ? decadesOnly(axis) : {}) },
      ],
      // Room above the plot for the marker labels.
      padding: [t.fontSize + 8, 8, 0, 0],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      hooks: { draw: [(u) => this.drawMarkers(u)] },
    };
  }

  private drawMarkers(u: uPlot): void {
    const ctx = u.ctx;
    const ratio = window.devicePixelRatio || 1;
    const t = this.options.theme;
    ctx.save();
    ctx.font = `${(t.fontSize - 2) * ratio}px ${t.font}`;
    ctx.textBaseline = 'top';
    ctx.textBaseline = 'bottom';
    const { left, top, width, height } = u.bbox;
    const lineHeight = (t.fontSize + 1) * ratio;
    // The first row of labels sits above the plot; labels that would overlap it go on rows below.
    const rows: number[] = [];
    for (const m of [...this.markers].sort((a, b) => a.x - b.x)) {
      const x = Math.round(u.valToPos(m.x, 'x', true));
      if (x < left || x > left + width) continue;
      ctx.strokeStyle = m.color;
      ctx.fillStyle = m.color;
      ctx.lineWidth = ratio;
      ctx.setLineDash(m.dash.map((d) => d * ratio));
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      const textWidth = ctx.measureText(m.label).width;
      // Near the right edge, the label goes left of its line.
      const tx = x + 3 * ratio + textWidth > left + width ? x - 3 * ratio - textWidth : x + 3 * ratio;
      let row = rows.findIndex((end) => end < tx);
      if (row < 0) row = rows.push(0) - 1;
      rows[row] = tx + textWidth + 6 * ratio;
      ctx.fillText(m.label, tx, top - 2 * ratio + row * lineHeight);
    }
    ctx.restore();
  }
}

function isPowerOfTen(v: number | null): boolean {
  return v !== null && v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
}

/** On a log scale, labels, ticks and grid lines only at powers of ten: the 2..9 lines are noise. */
function decadesOnly(axis: uPlot.Axis): Partial<uPlot.Axis> {
  const filter = (_u: uPlot, splits: number[]): (number | null)[] => splits.map((v) => (isPowerOfTen(v) ? v : null));
  return { filter, grid: { ...axis.grid, filter }, ticks: { ...axis.ticks, filter } };
}

/** Axis ticks: short, and readable on a log scale (where uPlot leaves some splits unlabelled: null). */
function formatTick(v: number | null): string {
  if (v === null) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1000 || a < 0.001) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}
