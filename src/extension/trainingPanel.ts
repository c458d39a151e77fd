/**
 * The training panel: one webview (webview/ bundle) showing live and past runs. The state lives
 * here in a PanelHost (src/extension/panelHost.ts); the webview asks for it with `ready` and redraws from
 * it, so hiding, reshowing or reloading loses nothing. After a window reload the panel is
 * restored by the serializer and re-reads the runs folder.
 */
import { targetSpec } from './commands';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../core/atomicWrite';
import { exportRunToKeras } from './exportKeras';
import { PanelHost, readPastRuns, readRunFolder, type HostRequest } from './panelHost';
import { makeNonce, panelHtml } from './panelHtml';
import type { FromWebview, PanelTab, ToWebview } from '../panel/protocol';
import { findDiagnosis } from '../panel/health';
import { applyHealthFix, runSpecPath } from './applyHealthFix';
import type { FromTrainer } from '../shared/trainerProtocol';
import { trainingSettings, type TrainingController, type TrainingListener } from './training';

const VIEW_TYPE = 'modelSpec.trainingPanel';

/** The panel and its state; one per window. */
export class TrainingPanel implements TrainingListener, vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private host: PanelHost;
  private readonly disposables: vscode.Disposable[] = [];
  /** The controller's run keys -> run folders (known from `started`). */
  private readonly runIds = new Map<string, string>();
  private runsDir: string | undefined;
  /** A tab to show once the webview has loaded (it would miss the message before). */
  private pendingFocus: Extract<ToWebview, { type: 'focus' }> | undefined;
  private webviewReady = false;

  constructor(private readonly extensionUri: vscode.Uri, private readonly controller: TrainingController) {
    this.host = this.newHost();
    controller.addListener(this);
  }

  private newHost(): PanelHost {
    return new PanelHost({
      post: (m) => { void this.panel?.webview.postMessage(m); },
      onRequest: (r) => { void this.handle(r); },
    });
  }

  /** Opens (or reveals) the panel for the runs of `spec`'s workspace; optionally on a tab. */
  show(spec?: vscode.Uri, tab?: PanelTab): void {
    if (spec) this.runsDir = trainingSettings(spec).runsDir;
    if (tab) this.focus(tab);
    if (this.panel) {
      this.panel.reveal(undefined, true);
    } else {
      const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Model Spec: Training', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {});
      this.attach(panel);
    }
    this.refreshRuns();
  }

  /** Takes over a panel (new, or restored after a reload by the serializer). */
  attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.webviewReady = false;
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    panel.iconPath = {
      light: vscode.Uri.joinPath(this.extensionUri, 'media', 'modelspec-file-light.svg'),
      dark: vscode.Uri.joinPath(this.extensionUri, 'media', 'modelspec-file-dark.svg'),
    };
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist] };
    panel.webview.html = panelHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'panel.css')).toString(),
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: FromWebview) => {
        this.host.receive(m);
        if (m.type === 'ready') {
          this.webviewReady = true;
          if (this.pendingFocus) void panel.webview.postMessage(this.pendingFocus);
          this.pendingFocus = undefined;
        }
      }),
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.host.dispose();
        // A closed panel starts afresh next time; past runs come back from their folders.
        this.host = this.newHost();
      }),
    );
    if (!this.runsDir) {
      const folder = vscode.workspace.workspaceFolders?.[0];
      if (folder) this.runsDir = trainingSettings(folder.uri).runsDir;
    }
    this.refreshRuns();
  }

  private focus(tab: PanelTab): void {
    const m: ToWebview = { type: 'focus', tab };
    if (this.panel && this.webviewReady) void this.panel.webview.postMessage(m);
    else this.pendingFocus = m;
  }

  onTrainingStart(specUri: vscode.Uri): void {
    this.show(specUri, 'training');
  }

  onMessage(key: string, spec: string, variant: string | undefined, m: FromTrainer): void {
    if (m.type === 'started') this.runIds.set(key, m.runDir);
    // Before `started` only an error means anything: it shows as a failed run.
    const runId = this.runIds.get(key) ?? (m.type === 'error' ? m.runDir ?? key : undefined);
    if (runId === undefined) return;
    this.host.dispatch({ type: 'trainer', runId, message: m, spec, variant: variant ?? null });
    if (m.type === 'done' || m.type === 'error') {
      this.host.flush();
      this.refreshRuns();
    }
  }

  /** Lists `<runs>/<spec>/<run>/result.json` into the past-runs list (checked; see panelHost.ts). */
  private refreshRuns(): void {
    const dir = this.runsDir;
    if (!dir || !fs.existsSync(dir)) return;
    this.host.dispatch({ type: 'pastRuns', runs: readPastRuns(dir, this.liveness) });
  }

  /** A "running" folder with no trainer of ours behind it is still running if its trainer process lives (a CLI run). */
  private readonly liveness = { isTraining: (id: string): boolean => this.controller.isRunning(id) };

  private async handle(r: HostRequest): Promise<void> {
    switch (r.type) {
      case 'openRun': {
        if (this.host.state.runs[r.runId]) {
          this.host.dispatch({ type: 'showRun', runId: r.runId });
          return;
        }
        const run = readRunFolder(r.runId, this.liveness);
        if (!run) {
          void vscode.window.showErrorMessage(`Cannot open the run ${r.runId}: it has no readable events.jsonl or result.json.`);
          return;
        }
        this.host.dispatch({ type: 'runOpened', run });
        this.host.dispatch({ type: 'showRun', runId: r.runId });
        return;
      }
      case 'loadRuns': {
        const runs = r.runIds.filter((id) => !this.host.state.runs[id]).map((id) => readRunFolder(id, this.liveness)).filter((run) => run !== null);
        if (runs.length) this.host.dispatch({ type: 'runsLoaded', runs });
        return;
      }
      case 'applyHealthFix': {
        const run = this.host.state.runs[r.runId];
        const fix = run && findDiagnosis(run.health, r.code, r.layer)?.fix;
        const specPath = runSpecPath(r.runId);
        if (!fix || !specPath) {
          void vscode.window.showErrorMessage(fix ? `Cannot apply the fix: the run ${r.runId} does not say which spec it trained (result.json has no specPath).`
            : `That diagnosis has no fix to apply (run ${r.runId}).`);
          return;
        }
        return applyHealthFix(specPath, fix);
      }
      case 'stop':
        this.controller.stopRun(r.runId);
        return;
      case 'refreshRuns':
        this.refreshRuns();
        return;
      case 'exportKeras':
        return exportRunToKeras(r.runId);
      case 'exportCsv':
        return this.save(r.fileName, Buffer.from(r.csv, 'utf8'), { CSV: ['csv'] });
      case 'exportPng': {
        const m = /^data:image\/png;base64,(.*)$/.exec(r.dataUrl);
        if (!m) return;
        return this.save(r.fileName, Buffer.from(m[1], 'base64'), { 'PNG image': ['png'] });
      }
      default: {
        const never: never = r;
        return never;
      }
    }
  }

  /** Asks where to save (next to the runs), then writes atomically. */
  private async save(fileName: string, data: Buffer, filters: Record<string, string[]>): Promise<void> {
    const base = this.runsDir ? vscode.Uri.file(path.join(this.runsDir, path.basename(fileName))) : undefined;
    const target = await vscode.window.showSaveDialog({ ...(base ? { defaultUri: base } : {}), filters });
    if (!target) return;
    try {
      writeFileAtomic(target.fsPath, data);
    } catch (e) {
      void vscode.window.showErrorMessage(`Cannot save ${target.fsPath}: ${(e as Error).message}`);
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.host.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** Registers the panel, its reload serializer and the commands that open it. */
export function registerTrainingPanel(context: vscode.ExtensionContext, controller: TrainingController): TrainingPanel {
  const panel = new TrainingPanel(context.extensionUri, controller);
  context.subscriptions.push(
    panel,
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel) => panel.attach(webviewPanel),
    }),
    vscode.commands.registerCommand('modelSpec.showTrainingPanel', (arg?: unknown) => panel.show(targetSpec(arg), 'training')),
    vscode.commands.registerCommand('modelSpec.compareVariants', (arg?: unknown) => panel.show(targetSpec(arg), 'compare')),
  );
  return panel;
}
