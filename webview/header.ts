/**
 * The panel header: spec, variant, backend, status, epoch and batch, elapsed time and ETA,
 * the latest running metrics, a run picker and the Stop button.
 */
import type { PanelState, RunView } from '../src/panel/protocol';
import { isLearningRate } from '../src/shared/kerasLog';
import { runLabel } from '../src/panel/compare';
import { runTiming } from '../src/panel/state';
import type { ViewContext } from './context';
import { formatInteger, formatMetric, formatSeconds, h, setText } from './dom';
import { button, dropdown, setDisabled, type Dropdown } from './ui';

/** The header; `render` updates it in place, cheaply, on every frame with news. */
export class Header {
  readonly element: HTMLElement;
  private readonly spec = h('h1', { class: 'spec-name' });
  private readonly variant = h('span', { class: 'variant' });
  private readonly status = h('span', { class: 'status', attrs: { role: 'status', 'data-testid': 'status' } });
  private readonly facts = h('p', { class: 'facts' });
  private readonly metrics = h('p', { class: 'live-metrics', attrs: { 'aria-live': 'off' } });
  private readonly progress = h('progress', { attrs: { max: '1', value: '0', 'aria-label': 'Training progress' } });
  private readonly stop: HTMLElement;
  private readonly picker: Dropdown;
  private pickerKey = '';
  private runId: string | null = null;
  /** The run asked to stop: its button stays disabled until the trainer finishes it. */
  private stopping: string | null = null;

  constructor(ctx: ViewContext) {
    this.stop = button('Stop', () => {
      if (!this.runId) return;
      this.stopping = this.runId;
      setDisabled(this.stop, true);
      setText(this.stop, 'Stopping\u2026');
      ctx.post({ type: 'stop', runId: this.runId });
    }, { title: 'Stop after the current batch and keep what was learned' });
    this.picker = dropdown('Run shown', (runId) => ctx.post({ type: 'openRun', runId }));
    this.element = h('header', { class: 'run-header' },
      h('div', { class: 'title-row' }, this.spec, this.variant, this.status, h('span', { class: 'spacer' }), this.picker.element, this.stop),
      this.facts, this.progress, this.metrics);
  }

  /** Shows the active run (or how to start one). */
  render(state: PanelState): void {
    const run = state.activeRunId ? state.runs[state.activeRunId] ?? null : null;
    this.runId = run?.id ?? null;
    this.renderPicker(state);
    if (!run) {
      setText(this.spec, 'Model Spec training');
      setText(this.variant, '');
      setText(this.status, 'No run yet');
      this.status.dataset.status = 'none';
      setText(this.facts, 'Run "Model Spec: Train Model" on a spec, or open a past run from the Runs tab.');
      setText(this.metrics, '');
      this.progress.hidden = true;
      this.stop.hidden = true;
      return;
    }
    setText(this.spec, run.spec || 'Run');
    setText(this.variant, run.variant ?? '');
    setText(this.status, statusText(run));
    this.status.dataset.status = run.status;
    setText(this.facts, factsText(run));
    this.facts.title = [run.engineReason, run.backendReason].filter(Boolean).join('\n');
    const running = run.status === 'running';
    const stopping = running && this.stopping === run.id;
    this.stop.hidden = !running;
    setDisabled(this.stop, !running || stopping);
    setText(this.stop, stopping ? 'Stopping\u2026' : 'Stop');
    this.progress.hidden = !running || !run.data;
    if (run.data) {
      const epochsDone = run.history.loss?.length ?? 0;
      const within = run.progress ? run.progress.step / Math.max(1, run.progress.steps) : 0;
      this.progress.value = Math.min(1, (epochsDone + within) / Math.max(1, run.data.epochs));
    }
    setText(this.metrics, metricsText(run));
  }

  private renderPicker(state: PanelState): void {
    const runs = Object.values(state.runs);
    const key = JSON.stringify([state.activeRunId, runs.map((r) => [r.id, r.variant, r.status])]);
    if (key === this.pickerKey) return;
    this.pickerKey = key;
    this.picker.element.hidden = runs.length < 2;
    this.picker.setOptions(runs.map((r) => ({ value: r.id, label: `${runLabel(r)} (${r.status})` })), state.activeRunId ?? '');
  }
}

function statusText(run: RunView): string {
  switch (run.status) {
    case 'running': return 'Training';
    case 'completed': {
      const stop = run.markers.find((m) => m.kind === 'earlyStopping');
      return stop ? `Stopped early at epoch ${stop.epoch}` : 'Completed';
    }
    case 'cancelled': return 'Stopped';
    case 'interrupted': return 'Interrupted (the trainer is gone)';
    case 'failed': return run.error ? `Failed: ${run.error}` : 'Failed';
  }
}

function factsText(run: RunView): string {
  const parts: string[] = [];
  if (run.engine) parts.push(`Engine: ${run.engine}`);
  else if (run.backend) parts.push(`Backend: ${run.backend}`);
  const epochs = run.data?.epochs;
  const done = run.history.loss?.length ?? 0;
  if (run.progress) {
    parts.push(`Epoch ${run.progress.epoch}/${epochs ?? '?'}`, `Batch ${formatInteger(run.progress.step)}/${formatInteger(run.progress.steps)}`);
  } else if (done > 0) {
    parts.push(`Epochs: ${done}${epochs && run.status === 'running' ? `/${epochs}` : ''}`);
  }
  const timing = runTiming(run);
  parts.push(`Elapsed: ${formatSeconds(timing.elapsedSeconds)}`);
  if (timing.etaSeconds !== null) parts.push(`ETA: ${formatSeconds(timing.etaSeconds)}`);
  if (run.samplesPerSecond !== null) parts.push(`${formatInteger(run.samplesPerSecond)} samples/s`);
  return parts.join(' \u00b7 ');
}

function metricsText(run: RunView): string {
  const live = run.progress?.metrics;
  const last = Object.fromEntries(Object.entries(run.history).map(([k, v]) => [k, v[v.length - 1] ?? null]));
  const values = live ? { ...live } : last;
  return Object.entries(values)
    .filter(([k]) => !isLearningRate(k))
    .map(([k, v]) => `${k}: ${formatMetric(v)}`)
    .join('   ');
}
