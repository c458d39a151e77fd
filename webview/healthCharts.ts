/**
 * The Health view's small canvases: a mini line chart (log or linear y, an optional shaded band
 * and reference line, one line per run) and a heatmap of activation histograms over time (one
 * strip per run, bins from the signed range at the bottom to the top). Drawn by hand: dozens of
 * them share one x axis in fractional epochs, and each redraws in a few microseconds. Colours
 * come from the theme (theme.ts); a canvas redraws itself when its size changes (a hidden tab
 * shown again).
 */
import type { ChartTheme } from './theme';

/** One line of a mini chart. */
export interface MiniSeries {
  color: string;
  x: number[];
  y: (number | null)[];
  dash?: number[];
}

/** What a mini chart shows. */
export interface MiniChartData {
  series: MiniSeries[];
  /** Log scale (powers of ten) or linear from `min` to `max`. */
  scale: { kind: 'log' } | { kind: 'linear'; min: number; max: number; format(v: number): string };
  /** A shaded range of y (e.g. healthy update ratios) and a reference line in it. */
  band?: { from: number; to: number; line: number };
  /** The x axis runs to at least this (epochs). */
  xMax: number;
}

/** One strip of a heatmap: a run's histograms over time, each a list of bin fractions (empty: no data). */
export interface HeatStrip {
  color: string;
  columns: number[][];
  x: number[];
}

const MARGIN = { left: 44, right: 8, top: 6, bottom: 16 };

/** A canvas that draws itself again at its new size. */
abstract class SizedCanvas {
  readonly element: HTMLCanvasElement;
  protected theme: ChartTheme;
  private readonly observer: ResizeObserver;
  private drawnWidth = 0;

  constructor(theme: ChartTheme, protected height: number) {
    this.theme = theme;
    this.element = document.createElement('canvas');
    this.element.setAttribute('role', 'img');
    this.observer = new ResizeObserver(() => {
      if (this.element.clientWidth !== this.drawnWidth) this.draw();
    });
    this.observer.observe(this.element);
  }

  /** Stops watching the size. */
  destroy(): void {
    this.observer.disconnect();
  }

  /** Sizes the canvas to its box (device pixels) and returns a context in CSS pixels; null while hidden. */
  protected context(): { ctx: CanvasRenderingContext2D; width: number; height: number } | null {
    const width = this.element.clientWidth;
    this.drawnWidth = width;
    if (width <= 0) return null;
    const ratio = window.devicePixelRatio || 1;
    this.element.width = Math.round(width * ratio);
    this.element.height = Math.round(this.height * ratio);
    this.element.style.height = `${this.height}px`;
    const ctx = this.element.getContext('2d');
    if (!ctx) return null;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = `${this.theme.fontSize - 3}px ${this.theme.font}`;
    return { ctx, width, height: this.height };
  }

  protected abstract draw(): void;
}

/** A small line chart over fractional epochs. */
export class MiniChart extends SizedCanvas {
  private data: MiniChartData = { series: [], scale: { kind: 'log' }, xMax: 1 };

  update(data: MiniChartData, theme: ChartTheme): void {
    this.data = data;
    this.theme = theme;
    this.draw();
  }

  protected draw(): void {
    const c = this.context();
    if (!c) return;
    const { ctx, width, height } = c;
    const t = this.theme;
    const plot = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: height - MARGIN.top - MARGIN.bottom };
    const xMax = Math.max(this.data.xMax, ...this.data.series.map((s) => s.x[s.x.length - 1] ?? 0));
    const px = (x: number): number => plot.left + (x / (xMax || 1)) * plot.width;
    const y = yScale(this.data, plot);
    drawXAxis(ctx, plot, xMax, px, t);
    for (const tick of y.ticks) {
      const py = y.pos(tick.value);
      ctx.strokeStyle = t.grid;
      ctx.lineWidth = 1;
      line(ctx, plot.left, py, plot.left + plot.width, py);
      ctx.fillStyle = t.muted;
      ctx.textAlign = 'right';
      ctx.textBaseline = 'middle';
      ctx.fillText(tick.label, plot.left - 4, py);
    }
    const band = this.data.band;
    if (band) {
      const top = y.pos(band.to);
      const bottom = y.pos(band.from);
      ctx.save();
      ctx.globalAlpha = 0.14;
      ctx.fillStyle = t.best;
      ctx.fillRect(plot.left, top, plot.width, bottom - top);
      ctx.restore();
      ctx.strokeStyle = t.best;
      ctx.setLineDash([4, 3]);
      line(ctx, plot.left, y.pos(band.line), plot.left + plot.width, y.pos(band.line));
      ctx.setLineDash([]);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(plot.left, plot.top - 1, plot.width, plot.height + 2);
    ctx.clip();
    for (const s of this.data.series) drawLine(ctx, s, px, y.pos, y.valid);
    ctx.restore();
  }
}

/** Where values go on y, which can be drawn, and the labelled ticks. */
function yScale(data: MiniChartData, plot: { top: number; height: number }): { pos(v: number): number; valid(v: number): boolean; ticks: { value: number; label: string }[] } {
  const scale = data.scale;
  if (scale.kind === 'linear') {
    const pos = (v: number): number => plot.top + plot.height * (1 - (v - scale.min) / (scale.max - scale.min || 1));
    const mid = (scale.min + scale.max) / 2;
    return { pos, valid: Number.isFinite, ticks: [scale.min, mid, scale.max].map((value) => ({ value, label: scale.format(value) })) };
  }
  const values = data.series.flatMap((s) => s.y).filter((v): v is number => v !== null && v > 0 && Number.isFinite(v));
  if (data.band) values.push(data.band.from, data.band.to);
  let lo = values.length ? Math.floor(Math.log10(Math.min(...values))) : -4;
  let hi = values.length ? Math.ceil(Math.log10(Math.max(...values))) : 0;
  if (hi <= lo) hi = lo + 1;
  // Very wide ranges (a vanishing gradient next to a healthy one) keep their extremes, with fewer labels.
  lo = Math.max(lo, hi - 14);
  const pos = (v: number): number => plot.top + plot.height * (1 - (Math.log10(v) - lo) / (hi - lo));
  const every = Math.ceil((hi - lo) / 4);
  const ticks: { value: number; label: string }[] = [];
  for (let e = hi; e >= lo; e -= every) ticks.push({ value: 10 ** e, label: e === 0 ? '1' : `1e${e}` });
  return { pos, valid: (v) => v > 0 && Number.isFinite(v), ticks };
}

function drawXAxis(ctx: CanvasRenderingContext2D, plot: { left: number; top: number; width: number; height: number }, xMax: number, px: (x: number) => number, t: ChartTheme): void {
  const every = Math.max(1, Math.ceil(xMax / 8));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let e = 0; e <= xMax + 1e-9; e += every) {
    const x = px(e);
    ctx.strokeStyle = t.grid;
    ctx.lineWidth = 1;
    line(ctx, x, plot.top + plot.height, x, plot.top + plot.height + 3);
    ctx.fillStyle = t.muted;
    ctx.fillText(String(e), Math.min(x, plot.left + plot.width - 4), plot.top + plot.height + 3);
  }
  ctx.strokeStyle = t.grid;
  line(ctx, plot.left, plot.top + plot.height, plot.left + plot.width, plot.top + plot.height);
}

function drawLine(ctx: CanvasRenderingContext2D, s: MiniSeries, px: (x: number) => number, py: (v: number) => number, valid: (v: number) => boolean): void {
  ctx.strokeStyle = s.color;
  ctx.fillStyle = s.color;
  ctx.lineWidth = 1.5;
  ctx.setLineDash(s.dash ?? []);
  ctx.beginPath();
  let open = false;
  let points = 0;
  s.x.forEach((x, i) => {
    const v = s.y[i];
    if (v === null || v === undefined || !valid(v)) {
      open = false;
      return;
    }
    if (open) ctx.lineTo(px(x), py(v));
    else ctx.moveTo(px(x), py(v));
    open = true;
    points++;
  });
  ctx.stroke();
  ctx.setLineDash([]);
  // A single sample is a dot, not an invisible line.
  if (points === 1) {
    const i = s.y.findIndex((v) => v !== null && valid(v));
    ctx.beginPath();
    ctx.arc(px(s.x[i]), py(s.y[i] as number), 2, 0, 2 * Math.PI);
    ctx.fill();
  }
}

function line(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  ctx.beginPath();
  ctx.moveTo(Math.round(x0) + 0.5, Math.round(y0) + 0.5);
  ctx.lineTo(Math.round(x1) + 0.5, Math.round(y1) + 0.5);
  ctx.stroke();
}

/** Activation histograms over time: x = sample (fractional epoch), y = bin over [min, max]; one strip per run. */
export class Heatmap extends SizedCanvas {
  private strips: HeatStrip[] = [];
  private range = { min: -3, max: 3 };
  private xMax = 1;
  private stripHeight = 40;

  constructor(theme: ChartTheme, private readonly maxStrips: number) {
    super(theme, 40 + MARGIN.top + MARGIN.bottom);
  }

  update(strips: HeatStrip[], stripHeight: number, range: { min: number; max: number }, xMax: number, theme: ChartTheme): void {
    this.strips = strips.slice(0, this.maxStrips);
    this.stripHeight = stripHeight;
    this.range = range;
    this.xMax = xMax;
    this.theme = theme;
    // One strip per run: the canvas grows or shrinks with the runs shown.
    this.height = this.stripHeight * Math.max(1, this.strips.length) + MARGIN.top + MARGIN.bottom;
    this.draw();
  }

  protected draw(): void {
    const c = this.context();
    if (!c) return;
    const { ctx, width } = c;
    const t = this.theme;
    const plot = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right, height: this.stripHeight * Math.max(1, this.strips.length) };
    const xMax = Math.max(this.xMax, ...this.strips.map((s) => s.x[s.x.length - 1] ?? 0));
    const px = (x: number): number => plot.left + (x / (xMax || 1)) * plot.width;
    this.strips.forEach((strip, k) => drawStrip(ctx, strip, px, plot.top + k * this.stripHeight, this.stripHeight));
    const zero = (0 - this.range.min) / (this.range.max - this.range.min);
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    this.strips.forEach((strip, k) => {
      const top = plot.top + k * this.stripHeight;
      ctx.strokeStyle = t.grid;
      ctx.setLineDash([2, 3]);
      line(ctx, plot.left, top + this.stripHeight * (1 - zero), plot.left + plot.width, top + this.stripHeight * (1 - zero));
      ctx.setLineDash([]);
      ctx.fillStyle = t.muted;
      ctx.fillText('0', plot.left - 4, top + this.stripHeight * (1 - zero));
      // Thin overlaid strips have room for the zero line's label only (the caption gives the range).
      if (this.strips.length === 1) {
        ctx.fillText(String(this.range.max), plot.left - 4, top + 5);
        ctx.fillText(String(this.range.min), plot.left - 4, top + this.stripHeight - 5);
      }
      if (this.strips.length > 1) {
        // A run's colour beside its strip, as in the line charts.
        ctx.fillStyle = strip.color;
        ctx.fillRect(2, top + 2, 4, this.stripHeight - 4);
      }
    });
    drawXAxis(ctx, plot, xMax, px, t);
  }
}

/** Each sample's column on x: from halfway to the previous sample to halfway to the next. */
function columnEdges(x: readonly number[]): [number, number][] {
  return x.map((v, i) => {
    const before = i > 0 ? (x[i - 1] + v) / 2 : Math.max(0, v - (x.length > 1 ? (x[1] - v) / 2 : v));
    const after = i < x.length - 1 ? (v + x[i + 1]) / 2 : v;
    return [before, after];
  });
}

/** One run's strip: each sample a column from its x to the next one's, each bin's share as opacity. */
function drawStrip(ctx: CanvasRenderingContext2D, strip: HeatStrip, px: (x: number) => number, top: number, height: number): void {
  const edges = columnEdges(strip.x);
  ctx.save();
  ctx.fillStyle = strip.color;
  for (let i = 0; i < strip.columns.length; i++) {
    const column = strip.columns[i];
    if (!column.length) continue;
    const x0 = px(edges[i][0]);
    const x1 = px(edges[i][1]);
    const peak = Math.max(...column);
    const bin = height / column.length;
    column.forEach((share, b) => {
      if (share <= 0 || peak <= 0) return;
      // Square root: the tails (saturated or dead units) stay visible beside the peak.
      ctx.globalAlpha = Math.min(1, 0.08 + 0.92 * Math.sqrt(share / peak));
      ctx.fillRect(x0, top + height - (b + 1) * bin, Math.max(1, x1 - x0), Math.ceil(bin));
    });
  }
  ctx.restore();
}
