/**
 * The training panel's webview. It asks the host for the whole state (`ready`), applies the
 * host's batched updates with the same reducer the host runs, and redraws at most once per
 * animation frame however fast updates come. The last state is also saved with `setState`, so
 * a panel that was hidden and shown again draws at once, before the host answers.
 */
import type { FromWebview, PanelState, ToWebview } from '../src/panel/protocol';
import { applyAction } from '../src/panel/state';
import { Comparison } from './comparison';
import { DEFAULT_UI, type UiState, type ViewContext } from './context';
import { h } from './dom';
import { Evaluation } from './evaluation';
import { Header } from './header';
import { healthTabLabel, HealthView } from './health';
import { ModelSummary, RunLog } from './modelSummary';
import { PastRuns } from './pastRuns';
import { chartTheme, onThemeChange, type ChartTheme } from './theme';
import { TrainingCharts } from './trainingCharts';
import { registerToolkit, tabs, type Tabs } from './ui';

/** The API VS Code gives a webview script (once per page). */
interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: Saved): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What `setState` keeps between a hide and a show. */
interface Saved {
  panel: PanelState | null;
  ui: UiState;
}

/** Saving the state is a structured clone of it: at most this often. */
const SAVE_INTERVAL_MS = 1000;

class PanelApp implements ViewContext {
  private panel: PanelState | null;
  ui: UiState;
  /** Updates are ignored between `ready` and the host's `state`: that state includes them. */
  private awaitingState = true;
  private frame: number | null = null;
  private saveTimer: number | null = null;
  private renders = 0;
  private themeChanged = false;
  private readonly header: Header;
  private readonly charts: TrainingCharts;
  private readonly evaluation = new Evaluation();
  private readonly model = new ModelSummary();
  private readonly log = new RunLog();
  private readonly comparison: Comparison;
  private readonly health: HealthView;
  private readonly pastRuns: PastRuns;
  private readonly tabs: Tabs;

  constructor(private readonly root: HTMLElement, private readonly vscode: VsCodeApi) {
    const saved = vscode.getState() as Partial<Saved> | undefined;
    this.panel = saved?.panel ?? null;
    this.ui = { ...DEFAULT_UI, ...saved?.ui };
    this.header = new Header(this);
    this.charts = new TrainingCharts(this);
    this.comparison = new Comparison(this);
    this.health = new HealthView(this);
    this.pastRuns = new PastRuns(this);
    this.tabs = tabs([
      { id: 'training', label: 'Training', content: h('div', { class: 'tab-content' }, this.charts.element, this.evaluation.element, this.model.element, this.log.element) },
      { id: 'health', label: 'Health', content: h('div', { class: 'tab-content' }, this.health.element) },
      { id: 'compare', label: 'Compare', content: h('div', { class: 'tab-content' }, this.comparison.element) },
      { id: 'runs', label: 'Runs', content: h('div', { class: 'tab-content' }, this.pastRuns.element) },
    ], this.ui.tab, (id) => this.setUi({ tab: id as UiState['tab'] }));
    root.append(this.header.element, this.tabs.element);
    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data as ToWebview));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') this.save();
    });
    onThemeChange(() => {
      this.themeChanged = true;
      this.scheduleRender();
    });
    if (this.panel) this.scheduleRender();
    this.post({ type: 'ready' });
  }

  post(message: FromWebview): void {
    this.vscode.postMessage(message);
  }

  theme(): ChartTheme {
    return chartTheme();
  }

  setUi(patch: Partial<UiState>): void {
    this.ui = { ...this.ui, ...patch };
    this.saveSoon();
    this.scheduleRender();
  }

  private receive(message: ToWebview): void {
    if (!message || typeof message !== 'object') return;
    switch (message.type) {
      case 'state':
        this.panel = message.state;
        this.awaitingState = false;
        break;
      case 'update': {
        const panel = this.panel;
        if (this.awaitingState || !panel) return;
        if (message.seq > panel.seq) {
          // Some updates never arrived (the webview was hidden): start again from the whole state.
          this.awaitingState = true;
          this.post({ type: 'ready' });
          return;
        }
        for (const action of message.actions.slice(panel.seq - message.seq)) applyAction(panel, action);
        break;
      }
      case 'focus':
        this.setUi({ tab: message.tab });
        return;
      default: {
        const never: never = message;
        return never;
      }
    }
    this.saveSoon();
    this.scheduleRender();
  }

  private scheduleRender(): void {
    this.frame ??= requestAnimationFrame(() => {
      this.frame = null;
      this.render();
    });
  }

  private render(): void {
    const panel = this.panel;
    const themeChanged = this.themeChanged;
    this.themeChanged = false;
    if (panel) {
      const run = panel.activeRunId ? panel.runs[panel.activeRunId] ?? null : null;
      this.header.render(panel);
      this.charts.render(run, themeChanged);
      this.evaluation.render(run);
      this.model.render(run);
      this.log.render(run);
      this.comparison.render(panel, themeChanged);
      this.health.render(panel, themeChanged);
      this.tabs.setLabel('health', healthTabLabel(run));
      this.pastRuns.render(panel);
      this.root.dataset.seq = String(panel.seq);
      this.root.setAttribute('aria-busy', 'false');
    }
    this.tabs.select(this.ui.tab);
    this.root.dataset.renders = String(++this.renders);
  }

  private saveSoon(): void {
    this.saveTimer ??= window.setTimeout(() => this.save(), SAVE_INTERVAL_MS);
  }

  private save(): void {
    if (this.saveTimer !== null) window.clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.vscode.setState({ panel: this.panel, ui: this.ui });
  }
}

registerToolkit();
const root = document.getElementById('app');
if (root) new PanelApp(root, acquireVsCodeApi());
