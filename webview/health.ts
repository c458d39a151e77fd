/**
 * The Health tab: why a network does or does not learn. The diagnoses first (each with Apply fix,
 * which asks the host to edit the spec), then small multiples per weighted layer: gradient norm
 * and update ratio on log scales (the healthy 1e-4..1e-2 update band shaded, 1e-3 marked),
 * saturated and dead units in percent, and a heatmap of the layer's activation distribution over
 * time on a signed range. With "Overlay compared runs" the same charts overlay the runs picked in
 * Compare, one colour per run as there, so variants compare layer by layer.
 */
import { runLabel } from '../src/panel/compare';
import { emptyRunHealth, firstNonFinite, HEALTH_HISTOGRAM, healthLayers, layerHistograms, layerSeries, type HealthStat } from '../src/panel/health';
import type { HealthDiagnosis, LayerHealth, PanelState, RunHealth, RunView } from '../src/panel/protocol';
import { comparedRuns } from '../src/panel/state';
import { runStyle } from './comparison';
import type { ViewContext } from './context';
import { append, formatMetric, formatPercent, h } from './dom';
import { Heatmap, MiniChart, type MiniChartData, type MiniSeries } from './healthCharts';
import type { ChartTheme } from './theme';
import { button, checkbox, type Checkbox } from './ui';

/** A run as drawn: its colour and dash. */
interface ShownRun {
  run: RunView;
  color: string;
  dash: number[];
}

interface LayerRow {
  element: HTMLElement;
  caption: HTMLElement;
  charts: Record<'gradient' | 'update' | 'activity', { figure: HTMLElement; chart: MiniChart; note: HTMLElement }>;
  heatmap: Heatmap;
}

const CHART_HEIGHT = 104;
/** One run's heatmap strip is as tall as the charts beside it; overlaid runs get thinner strips. */
const STRIP_HEIGHT = { one: CHART_HEIGHT - 22, overlaid: 36 };
const MAX_STRIPS = 12;

/** Older saved states have runs without health. */
function healthOf(run: RunView): RunHealth {
  return run.health ?? emptyRunHealth();
}

/** The Health tab's label: its warnings for the run in view, counted, so they are seen from any tab. */
export function healthTabLabel(run: RunView | null): string {
  const warnings = run ? healthOf(run).diagnoses.filter((d) => d.severity === 'warning').length : 0;
  return warnings ? `Health \u26a0 ${warnings}` : 'Health';
}

/** The Health tab. */
export class HealthView {
  readonly element: HTMLElement;
  private readonly overlay: Checkbox;
  private readonly facts = h('p', { class: 'muted health-facts', attrs: { 'data-testid': 'health-facts' } });
  private readonly diagnoses = h('div', { class: 'health-diagnoses', attrs: { 'data-testid': 'health-diagnoses' } });
  private readonly legend = h('div', { class: 'health-legend', attrs: { 'data-testid': 'health-legend' } });
  private readonly layers = h('div', { class: 'health-layers' });
  private readonly rows = new Map<string, LayerRow>();
  /** Compared runs asked for (read from their folders) once each. */
  private readonly requested = new Set<string>();
  private theme: ChartTheme;
  private key = '';
  private diagnosesKey = '';

  constructor(private readonly ctx: ViewContext) {
    this.theme = ctx.theme();
    this.overlay = checkbox('Overlay compared runs', ctx.ui.healthOverlay, (checked) => ctx.setUi({ healthOverlay: checked }));
    this.overlay.element.title = 'Draw the runs picked in Compare on the same charts, one colour per run';
    this.element = h('section', { class: 'health', attrs: { 'aria-labelledby': 'health-heading' } },
      h('div', { class: 'section-title' },
        h('h2', { attrs: { id: 'health-heading' } }, 'Training health'),
        h('span', { class: 'spacer' }), this.overlay.element),
      this.facts, this.diagnoses,
      h('div', { class: 'section-title' }, h('h2', null, 'Layers'), h('span', { class: 'spacer' }), this.legend),
      this.layers);
  }

  /** Redraws when a shown run got a sample or a diagnosis, the selection changed, or the theme did. */
  render(state: PanelState, themeChanged: boolean): void {
    if (themeChanged) {
      this.theme = this.ctx.theme();
      this.key = '';
      this.diagnosesKey = '';
    }
    this.overlay.set(this.ctx.ui.healthOverlay);
    const shown = this.shownRuns(state);
    const key = JSON.stringify([this.ctx.ui.healthOverlay, shown.map((s) => [s.run.id, s.color, healthOf(s.run).seen, healthOf(s.run).diagnoses.length, s.run.status])]);
    if (key === this.key) return;
    this.key = key;
    this.element.dataset.runs = String(shown.length);
    this.renderFacts(shown);
    this.renderDiagnoses(shown);
    this.renderLegend(shown);
    this.renderLayers(shown);
  }

  /** The run in view, or the compared runs (the ones loaded so far; the rest are asked for). */
  private shownRuns(state: PanelState): ShownRun[] {
    const active = state.activeRunId ? state.runs[state.activeRunId] : undefined;
    if (this.ctx.ui.healthOverlay) {
      const compared = comparedRuns(state);
      const missing = compared.filter((r) => !state.runs[r.id] && !this.requested.has(r.id)).map((r) => r.id);
      if (missing.length) {
        for (const id of missing) this.requested.add(id);
        this.ctx.post({ type: 'loadRuns', runIds: missing });
      }
      const shown = compared.flatMap((r, i) => (state.runs[r.id] ? [{ run: state.runs[r.id], ...runStyle(i, this.theme) }] : []));
      if (shown.length) return shown;
    }
    return active ? [{ run: active, color: this.theme.train, dash: [] }] : [];
  }

  private renderFacts(shown: ShownRun[]): void {
    const overlay = this.ctx.ui.healthOverlay;
    if (!shown.length) {
      this.facts.textContent = 'No run yet: train a spec to see how each layer learns.';
      return;
    }
    if (overlay && shown.length > 1) {
      this.facts.textContent = `${shown.length} compared runs overlaid (pick them in Compare).`;
      return;
    }
    const run = shown[0].run;
    const health = healthOf(run);
    const parts: string[] = [];
    if (overlay) parts.push('Pick two or more runs in Compare to overlay them.');
    if (!health.samples.length) {
      parts.push(run.status === 'running' && health.sampling !== null && !/^off\b/.test(health.sampling)
        ? `Waiting for the first health sample (${health.sampling}).`
        : health.sampling ? `No health samples: ${health.sampling}.` : 'No health samples: this run was trained with fit.health off, or before runs recorded training health.');
    } else {
      if (health.sampling) parts.push(`Sampled ${health.sampling}.`);
      parts.push(`${health.samples.length} of ${health.seen} samples shown.`);
      const broken = firstNonFinite(run);
      if (broken) parts.push(`${broken.layer} went NaN or infinite first (epoch ${broken.epoch}, step ${broken.step}).`);
      const initial = health.samples.find((s) => s.initialLoss)?.initialLoss;
      if (initial) parts.push(`First batch loss ${formatMetric(initial.loss)}, expected about ${formatMetric(initial.expected)} (ln of the class count).`);
    }
    this.facts.textContent = parts.join(' ');
  }

  private renderDiagnoses(shown: ShownRun[]): void {
    const items = shown.flatMap((s) => healthOf(s.run).diagnoses.map((d) => ({ s, d })));
    // Rebuilt only when they change: a new sample must not take the focus off an Apply fix button.
    const key = JSON.stringify([items.map(({ s, d }) => [s.run.id, s.color, d]), shown.some((s) => healthOf(s.run).samples.length > 0)]);
    if (key === this.diagnosesKey) return;
    this.diagnosesKey = key;
    // Warnings first, then by epoch; the trainer's order otherwise.
    items.sort((a, b) => (a.d.severity === b.d.severity ? a.d.epoch - b.d.epoch : a.d.severity === 'warning' ? -1 : 1));
    const anySamples = shown.some((s) => healthOf(s.run).samples.length > 0);
    this.diagnoses.hidden = !anySamples && items.length === 0;
    if (!items.length) {
      this.diagnoses.replaceChildren(h('p', { class: 'health-ok' }, 'No problems found so far: gradients, updates and activations look healthy.'));
      return;
    }
    this.diagnoses.replaceChildren(h('h3', { class: 'sr-only' }, 'Diagnoses'),
      h('ul', { class: 'diagnosis-list' }, ...items.map(({ s, d }) => this.diagnosisItem(s, d, shown.length > 1))));
  }

  private diagnosisItem(s: ShownRun, d: HealthDiagnosis, withRun: boolean): HTMLElement {
    const warning = d.severity === 'warning';
    const li = h('li', { class: 'diagnosis', attrs: { 'data-severity': d.severity, 'data-code': d.code, 'data-layer': d.layer ?? '' } },
      h('span', { class: 'severity-icon', attrs: { 'aria-hidden': 'true' } }, warning ? '\u26a0' : '\u2139'),
      h('div', { class: 'diagnosis-body' },
        h('div', { class: 'diagnosis-head' },
          h('span', { class: 'sr-only' }, warning ? 'Warning: ' : 'Hint: '),
          withRun ? h('span', { class: 'run-swatch', attrs: { 'data-color': s.color } }) : null,
          withRun ? h('span', { class: 'diagnosis-run' }, runLabel(s.run)) : null,
          h('strong', null, d.layer ?? 'whole model'),
          h('span', { class: 'muted' }, `epoch ${d.epoch}`),
          h('code', { class: 'muted' }, d.code)),
        h('p', { class: 'diagnosis-message' }, d.message)));
    this.paintSwatches(li);
    if (d.fix) {
      const fix = d.fix;
      li.append(h('div', { class: 'diagnosis-fix' },
        button('Apply fix', () => this.ctx.post({ type: 'applyHealthFix', runId: s.run.id, code: d.code, layer: d.layer }), { title: `${fix.title} (edits the spec)` }),
        h('span', { class: 'muted' }, fix.title)));
    }
    return li;
  }

  /** Swatches take their run's colour from the theme palette; the CSP forbids style attributes, CSSOM is fine. */
  private paintSwatches(root: HTMLElement): void {
    for (const el of root.querySelectorAll<HTMLElement>('.run-swatch[data-color]')) el.style.background = el.dataset.color ?? '';
  }

  private renderLegend(shown: ShownRun[]): void {
    const t = this.theme;
    const entry = (color: string, label: string, dashed = false): HTMLElement =>
      h('span', { class: 'legend-entry' }, h('span', { class: `run-swatch${dashed ? ' dashed' : ''}`, attrs: { 'data-color': color } }), label);
    const entries = shown.length > 1
      ? [...shown.map((s) => entry(s.color, runLabel(s.run))), h('span', { class: 'muted' }, 'saturated: solid, dead: dashed')]
      : [entry(t.validation, 'saturated %'), entry(t.learningRate, 'dead %', true), entry(t.best, 'healthy update ratio 1e-4..1e-2')];
    this.legend.replaceChildren(...entries);
    this.paintSwatches(this.legend);
  }

  private renderLayers(shown: ShownRun[]): void {
    const names = layerUnion(shown.map((s) => healthLayers(s.run)));
    for (const [name, row] of this.rows) {
      if (names.some((l) => l.name === name)) continue;
      for (const c of Object.values(row.charts)) c.chart.destroy();
      row.heatmap.destroy();
      row.element.remove();
      this.rows.delete(name);
    }
    this.layers.hidden = names.length === 0;
    for (const layer of names) {
      const row = this.rows.get(layer.name) ?? this.addRow(layer.name);
      // Keep model order when layers come and go.
      this.layers.append(row.element);
      this.drawRow(row, layer, shown);
    }
  }

  private addRow(name: string): LayerRow {
    const chart = (stat: string, title: string): LayerRow['charts']['gradient'] => {
      const c = new MiniChart(this.theme, CHART_HEIGHT);
      const note = h('p', { class: 'muted chart-note' });
      return { chart: c, note, figure: h('figure', { class: 'health-chart', attrs: { 'data-stat': stat } }, h('figcaption', null, title), c.element, note) };
    };
    const charts = {
      gradient: chart('gradientNorm', 'Gradient norm'),
      update: chart('updateRatio', 'Update ratio \u2016\u0394w\u2016/\u2016w\u2016'),
      activity: chart('activity', 'Saturated / dead units'),
    };
    const heatmap = new Heatmap(this.theme, MAX_STRIPS);
    const caption = h('div', { class: 'layer-caption' });
    const element = h('figure', { class: 'health-layer', attrs: { 'data-layer': name } },
      caption,
      h('div', { class: 'layer-charts' }, charts.gradient.figure, charts.update.figure, charts.activity.figure,
        h('figure', { class: 'health-chart heatmap', attrs: { 'data-stat': 'activations' } },
          h('figcaption', null, `Activations ${HEALTH_HISTOGRAM.min}..${HEALTH_HISTOGRAM.max}`), heatmap.element)));
    const row = { element, caption, charts, heatmap };
    this.rows.set(name, row);
    return row;
  }

  private drawRow(row: LayerRow, layer: LayerHealth, shown: ShownRun[]): void {
    const t = this.theme;
    const flagged = shown.some((s) => healthOf(s.run).diagnoses.some((d) => d.layer === layer.name && d.severity === 'warning'));
    row.element.dataset.flagged = String(flagged);
    row.caption.replaceChildren();
    append(row.caption, [
      h('h3', null, layer.name), h('span', { class: 'muted' }, [layer.type, activations(shown, layer.name)].filter(Boolean).join(' \u00b7 ')),
      flagged && h('span', { class: 'layer-flag', attrs: { title: 'A diagnosis names this layer' } }, '\u26a0 see the diagnoses above')]);
    const xMax = Math.max(1, ...shown.map((s) => s.run.data?.epochs ?? 0));
    const one = shown.length === 1;
    const lines = (stat: HealthStat, color: (s: ShownRun) => string, dash: (s: ShownRun) => number[]): MiniSeries[] =>
      shown.map((s) => ({ ...layerSeries(s.run, layer.name, stat), color: color(s), dash: dash(s) }));
    this.drawChart(row.charts.gradient, { series: lines('gradientNorm', (s) => s.color, (s) => s.dash), scale: { kind: 'log' }, xMax }, layer.name, 'gradient norm', formatMetric);
    this.drawChart(row.charts.update, {
      series: lines('updateRatio', (s) => s.color, (s) => s.dash), scale: { kind: 'log' }, band: { from: 1e-4, to: 1e-2, line: 1e-3 }, xMax,
    }, layer.name, 'update ratio', formatMetric);
    const percent = (stat: HealthStat, color: string, dash: number[]): MiniSeries[] =>
      lines(stat, (s) => (one ? color : s.color), () => dash).map((s) => ({ ...s, y: s.y.map((v) => (v === null ? null : v * 100)) }));
    this.drawChart(row.charts.activity, {
      series: [...percent('saturation', t.validation, []), ...percent('deadFraction', t.learningRate, [4, 3])],
      scale: { kind: 'linear', min: 0, max: 100, format: (v) => `${v}%` }, xMax,
    }, layer.name, 'saturated or dead units', (v) => formatPercent(v / 100));
    const strips = shown.map((s) => ({ color: one ? t.train : s.color, columns: layerHistograms(s.run, layer.name), x: layerSeries(s.run, layer.name, 'gradientNorm').x }));
    row.heatmap.update(strips, one ? STRIP_HEIGHT.one : STRIP_HEIGHT.overlaid, HEALTH_HISTOGRAM, xMax, t);
    row.heatmap.element.setAttribute('aria-label', `Activation distribution of ${layer.name} over time, from ${HEALTH_HISTOGRAM.min} to ${HEALTH_HISTOGRAM.max}, for ${shown.map((s) => runLabel(s.run)).join(', ')}.`);
    row.heatmap.element.dataset.columns = String(strips.reduce((n, s) => n + s.columns.filter((c) => c.length).length, 0));
  }

  /** Draws one small multiple, or says why it has nothing (the statistic does not apply to this layer). */
  private drawChart(c: LayerRow['charts']['gradient'], data: MiniChartData, layer: string, what: string, format: (v: number) => string): void {
    const points = data.series.reduce((n, s) => n + s.y.filter((v) => v !== null).length, 0);
    c.figure.dataset.points = String(points);
    c.figure.dataset.series = String(data.series.filter((s) => s.y.some((v) => v !== null)).length);
    const applies = points > 0 || data.series.every((s) => s.y.length === 0);
    c.chart.element.hidden = !applies;
    c.note.hidden = applies;
    c.note.textContent = applies ? '' : what === 'saturated or dead units' ? 'Not a saturating or ReLU-family activation.' : `No ${what} for this layer.`;
    if (applies) c.chart.update(data, this.theme);
    const latest = data.series.map((s) => [...s.y].reverse().find((v) => v !== null)).filter((v): v is number => v !== undefined && v !== null);
    c.chart.element.setAttribute('aria-label', `${layer}: ${what} over time${latest.length ? `, latest ${latest.map(format).join(', ')}` : ''}.`);
  }
}

/** The layers of several runs, in model order: the first run's, then any the others add. */
function layerUnion(lists: LayerHealth[][]): LayerHealth[] {
  const out: LayerHealth[] = [];
  for (const list of lists) for (const l of list) if (!out.some((o) => o.name === l.name)) out.push(l);
  return out;
}

/** The layer's activations across the shown runs (variants may differ): `relu`, or `selu / elu / relu`. */
function activations(shown: ShownRun[], layer: string): string {
  const names = shown.map((s) => healthLayers(s.run).find((l) => l.name === layer)?.activation).filter((a): a is string => !!a);
  return [...new Set(names)].join(' / ');
}
