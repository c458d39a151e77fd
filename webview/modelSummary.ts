/**
 * The Keras `model.summary()` as a table (layer and type, output shape, parameters, totals), the
 * data the run trains on, and the run's log.
 */
import type { RunView } from '../src/panel/protocol';
import { formatInteger, formatShape, h, setText } from './dom';

/** The model and data section; rebuilt only when the run or its model changes. */
export class ModelSummary {
  readonly element = h('section', { class: 'model-summary', attrs: { 'aria-labelledby': 'model-heading' } });
  private key = '';

  /** Shows `run`'s layers and data; rebuilt only when they change. */
  render(run: RunView | null): void {
    const key = JSON.stringify([run?.id, run?.model !== null, run?.data !== null]);
    if (key === this.key) return;
    this.key = key;
    this.element.replaceChildren();
    this.element.hidden = !run;
    if (!run) return;
    this.element.append(h('h2', { attrs: { id: 'model-heading' } }, 'Model'));
    if (!run.model) {
      this.element.append(h('p', { class: 'muted' }, 'This run folder has no event log, so its layers are not recorded.'));
      return;
    }
    const m = run.model;
    const rows = m.layers.map((l) => h('tr', null,
      h('th', { attrs: { scope: 'row' } }, l.name, h('span', { class: 'muted' }, ` (${l.type})`)),
      h('td', { class: 'mono' }, formatShape(l.outputShape)),
      h('td', { class: 'num' }, formatInteger(l.params))));
    const total = (label: string, value: number): HTMLTableRowElement =>
      h('tr', null, h('th', { attrs: { scope: 'row', colspan: '2' } }, label), h('td', { class: 'num' }, formatInteger(value)));
    this.element.append(h('table', { class: 'summary-table', attrs: { 'data-testid': 'summary-table' } },
      h('caption', { class: 'sr-only' }, 'Keras model summary'),
      h('thead', null, h('tr', null,
        h('th', { attrs: { scope: 'col' } }, 'Layer (type)'),
        h('th', { attrs: { scope: 'col' } }, 'Output shape'),
        h('th', { class: 'num', attrs: { scope: 'col' } }, 'Param #'))),
      h('tbody', null, ...rows),
      h('tfoot', null,
        total('Total params', m.totalParams),
        total('Trainable params', m.trainableParams),
        total('Non-trainable params', m.nonTrainableParams))));
    if (run.data) {
      const d = run.data;
      this.element.append(h('p', { class: 'muted data-line' },
        `${formatInteger(d.trainCount)} train \u00b7 ${formatInteger(d.validationCount)} validation \u00b7 ${formatInteger(d.testCount)} test \u00b7 `
        + `batch ${d.batchSize} \u00b7 ${formatInteger(d.stepsPerEpoch)} steps/epoch`
        + (d.sources.length ? ` \u00b7 ${d.sources.join('; ')}` : '')));
    }
  }
}

/** The run's latest log lines (Keras-style progress and callback messages), folded away by default. */
export class RunLog {
  private readonly summary = h('summary', null);
  private readonly text = h('pre', { class: 'log-text', attrs: { tabindex: '0', 'aria-label': 'Training log' } });
  readonly element = h('details', { class: 'run-log' }, this.summary, this.text);
  private key = '';

  /** Shows `run`'s latest log lines. */
  render(run: RunView | null): void {
    const key = JSON.stringify([run?.id, run?.log.length, run?.log[run.log.length - 1]]);
    if (key === this.key) return;
    this.key = key;
    this.element.hidden = !run || run.log.length === 0;
    if (!run) return;
    setText(this.summary, `Log (latest ${run.log.length} lines)`);
    setText(this.text, run.log.join('\n'));
  }
}
