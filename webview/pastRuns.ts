/**
 * Past runs: every run folder the host found, and the runs of this session, newest first; open
 * any of them to see its charts and results again.
 */
import { runLabel } from '../src/panel/compare';
import type { PanelState } from '../src/panel/protocol';
import { bestOfRun } from '../src/panel/series';
import { listRuns } from '../src/panel/state';
import type { ViewContext } from './context';
import { formatInteger, formatMetric, formatSeconds, h } from './dom';
import { button } from './ui';

/** The runs tab. */
export class PastRuns {
  readonly element: HTMLElement;
  private readonly list = h('div', { class: 'table-scroll' });
  private key = '';

  constructor(private readonly ctx: ViewContext) {
    this.element = h('section', { class: 'past-runs', attrs: { 'aria-labelledby': 'runs-heading' } },
      h('div', { class: 'section-title' },
        h('h2', { attrs: { id: 'runs-heading' } }, 'Runs'),
        h('span', { class: 'spacer' }),
        button('Refresh', () => ctx.post({ type: 'refreshRuns' }), { secondary: true, title: 'List the runs folder again' })),
      this.list);
  }

  /** Lists every known run, marking the one shown. */
  render(state: PanelState): void {
    const runs = listRuns(state);
    const key = JSON.stringify([state.activeRunId, runs.map((r) => [r.id, r.status, r.epochsRun, r.bestEpoch, r.test])]);
    if (key === this.key) return;
    this.key = key;
    if (!runs.length) {
      this.list.replaceChildren(h('p', { class: 'muted' }, 'No runs yet. Runs are saved in the runs folder (setting modelSpec.runsDirectory).'));
      return;
    }
    const rows = runs.map((r) => {
      const open = h('button', { class: 'link-button', attrs: { type: 'button', title: `Show ${r.id}` } }, runLabel(r));
      open.addEventListener('click', () => {
        this.ctx.post({ type: 'openRun', runId: r.id });
        this.ctx.setUi({ tab: 'training' });
      });
      // A finished or stopped run saved its trained model; a failed or running one may have none yet.
      const exportable = r.status === 'completed' || r.status === 'cancelled';
      const exportButton = exportable
        ? button('Export to Keras\u2026', () => this.ctx.post({ type: 'exportKeras', runId: r.id }), { secondary: true, title: `Write the trained model of ${runLabel(r)} as a .keras or .h5 file` })
        : '';
      const best = bestOfRun(r.history, r.bestMonitor);
      const current = r.id === state.activeRunId;
      return h('tr', { attrs: { 'data-run-id': r.id, ...(current ? { 'aria-current': 'true' } : {}) } },
        h('th', { attrs: { scope: 'row' } }, open),
        h('td', null, r.spec),
        h('td', null, r.startedAt ? new Date(r.startedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '-'),
        h('td', { attrs: { 'data-status': r.status } }, r.stoppedEarly && r.status === 'completed' ? 'stopped early' : r.status),
        h('td', { class: 'num' }, formatInteger(r.epochsRun)),
        h('td', { class: 'num' }, best ? `${formatMetric(best.value)} (${best.monitor}, epoch ${best.epoch})` : '-'),
        h('td', { class: 'num' }, Object.entries(r.test ?? {}).map(([k, v]) => `${k} ${formatMetric(v)}`).join(', ') || '-'),
        h('td', { class: 'num' }, formatSeconds(r.durationSeconds)),
        h('td', null, r.backend || '-'),
        h('td', null, exportButton));
    });
    const headers = ['Run', 'Spec', 'Started', 'Status', 'Epochs', 'Best', 'Test', 'Time', 'Backend', 'Keras'];
    this.list.replaceChildren(h('table', { class: 'runs-table', attrs: { 'data-testid': 'runs-table' } },
      h('caption', { class: 'sr-only' }, 'Past runs, newest first'),
      h('thead', null, h('tr', null, ...headers.map((t, i) => h('th', { class: i >= 4 && i <= 7 ? 'num' : '', attrs: { scope: 'col' } }, t)))),
      h('tbody', null, ...rows)));
  }
}
