/**
 * After training: the test metrics, the confusion matrix as a heat-map table, and the most
 * confidently misclassified test images with their true and predicted labels.
 */
import type { Classification, Misclassified } from '../src/shared/trainerProtocol';
import type { RunView } from '../src/panel/protocol';
import { formatInteger, formatMetric, formatPercent, h } from './dom';

/** The evaluation section; rebuilt when the run's test results change. */
export class Evaluation {
  readonly element = h('section', { class: 'evaluation', attrs: { 'aria-labelledby': 'evaluation-heading' } });
  private key = '';

  /** Shows `run`'s test results; hidden until there are some. */
  render(run: RunView | null): void {
    const key = JSON.stringify([run?.id, run?.test, run?.classification?.matrix.length, run?.classification?.misclassified.length]);
    if (key === this.key) return;
    this.key = key;
    this.element.replaceChildren();
    this.element.hidden = !run?.test;
    if (!run?.test) return;
    this.element.append(h('h2', { attrs: { id: 'evaluation-heading' } }, 'Test'), testMetrics(run));
    if (run.classification) {
      this.element.append(h('div', { class: 'evaluation-grid' }, confusionMatrix(run.classification), mistakes(run.classification)));
    }
  }
}

function testMetrics(run: RunView): HTMLElement {
  const test = run.test ?? {};
  const best = run.bestEpoch;
  const items = Object.entries(test).map(([name, value]) => {
    const val = best !== null ? run.history[`val_${name}`]?.[best - 1] ?? null : null;
    return h('div', { class: 'stat' },
      h('dt', null, `Test ${name}`),
      h('dd', { attrs: { 'data-metric': name } }, formatMetric(value)),
      val !== null ? h('dd', { class: 'muted' }, `validation ${formatMetric(val)} at epoch ${best}`) : null);
  });
  return h('dl', { class: 'test-metrics', attrs: { 'data-testid': 'test-metrics' } }, ...items);
}

/**
 * Rows are true classes, columns predictions. Correct counts are shaded by the row's recall,
 * mistakes by the largest mistake, so the errors stay visible next to a bright diagonal.
 */
function confusionMatrix(c: Classification): HTMLElement {
  const n = c.matrix.length;
  const name = (i: number): string => c.classNames[i] ?? String(i);
  const total = c.matrix.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
  const correct = c.matrix.reduce((sum, row, i) => sum + (row[i] ?? 0), 0);
  let maxWrong = 0;
  c.matrix.forEach((row, t) => row.forEach((v, p) => {
    if (p !== t) maxWrong = Math.max(maxWrong, v);
  }));
  const head = h('tr', null,
    h('td', { class: 'corner' }, h('span', { class: 'muted' }, 'true \u2193 predicted \u2192')),
    ...Array.from({ length: n }, (_, p) => h('th', { attrs: { scope: 'col' } }, name(p))),
    h('th', { class: 'num', attrs: { scope: 'col' } }, 'Total'));
  const rows = c.matrix.map((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    return h('tr', null,
      h('th', { attrs: { scope: 'row' } }, name(t)),
      ...row.map((count, p) => {
        const share = p === t ? (rowTotal ? count / rowTotal : 0) : maxWrong ? count / maxWrong : 0;
        const cell = h('td', {
          class: `cm-cell ${p === t ? 'cm-correct' : 'cm-wrong'}${share > 0.55 ? ' cm-strong' : ''}`,
          attrs: { 'data-count': String(count), title: `true ${name(t)}, predicted ${name(p)}: ${formatInteger(count)}` },
        }, formatInteger(count));
        // CSSOM assignments are not inline style attributes: the CSP allows them.
        if (count > 0) {
          const colour = p === t ? 'var(--vscode-charts-blue)' : 'var(--vscode-charts-red)';
          cell.style.backgroundColor = `color-mix(in srgb, ${colour} ${Math.round(10 + 80 * share)}%, transparent)`;
        }
        return cell;
      }),
      h('td', { class: 'num muted' }, formatInteger(rowTotal)));
  });
  return h('figure', { class: 'confusion' },
    h('figcaption', null, h('h3', null, 'Confusion matrix'),
      h('span', { class: 'muted' }, `${formatInteger(total)} test examples, ${formatInteger(total - correct)} misclassified (${formatPercent(total ? (total - correct) / total : 0)})`)),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'confusion-table', attrs: { 'data-testid': 'confusion-matrix' } },
        h('caption', { class: 'sr-only' }, 'Confusion matrix: rows are true classes, columns predicted classes'),
        h('thead', null, head), h('tbody', null, ...rows))));
}

function mistakes(c: Classification): HTMLElement {
  const name = (i: number): string => c.classNames[i] ?? String(i);
  const items = c.misclassified.map((m) => h('li', null,
    h('figure', null,
      imageCanvas(m, `Test example ${m.index}: true ${name(m.label)}, predicted ${name(m.predicted)} with ${formatPercent(m.confidence)} confidence`),
      h('figcaption', null,
        h('span', { class: 'true-label' }, name(m.label)), ' \u2192 ', h('span', { class: 'predicted-label' }, name(m.predicted)),
        h('span', { class: 'confidence muted' }, formatPercent(m.confidence))))));
  return h('figure', { class: 'mistakes' },
    h('figcaption', null, h('h3', null, 'Most confident mistakes'), h('span', { class: 'muted' }, 'true \u2192 predicted, confidence')),
    items.length
      ? h('ul', { class: 'mistake-grid', attrs: { 'data-testid': 'mistakes' } }, ...items)
      : h('p', { class: 'muted' }, 'No misclassified test examples.'));
}

/** Draws the example's pixels (grey or RGB bytes) to a canvas; no image: an empty labelled box. */
function imageCanvas(m: Misclassified, label: string): HTMLCanvasElement {
  const canvas = h('canvas', { attrs: { role: 'img', 'aria-label': label } });
  const image = m.image;
  if (!image) return canvas;
  // The host checks run files (panelHost.ts); this still draws only what the bytes hold.
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(image.data), (ch) => ch.charCodeAt(0));
  } catch {
    return canvas;
  }
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1
    || bytes.length !== image.width * image.height * image.channels) return canvas;
  canvas.width = image.width;
  canvas.height = image.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const pixels = ctx.createImageData(image.width, image.height);
  for (let i = 0; i < image.width * image.height; i++) {
    const [r, g, b] = image.channels === 3 ? [bytes[3 * i], bytes[3 * i + 1], bytes[3 * i + 2]] : [bytes[i], bytes[i], bytes[i]];
    pixels.data.set([r ?? 0, g ?? 0, b ?? 0, 255], 4 * i);
  }
  ctx.putImageData(pixels, 0, 0);
  return canvas;
}
