/**
 * Training from the editor: "Train Model", "Train All Variants" and "Stop Training". Each run is
 * a trainer child process (dist/trainer.js) speaking the trainer protocol; progress goes to a
 * cancellable notification, a status bar item and the Output channel, and every message to
 * the listeners (the training panel).
 */
import { specNameFromFile } from '../core/diagnostics';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { analyze } from '../core/analyze';
import { resolveSpec, variantNames } from '../core/resolve';
import { shownMetrics } from '../shared/kerasLog';
import { formatEta, formatProgressValue } from '../shared/progress';
import { TrainerClient, type TrainerOutcome } from '../host/trainerClient';
import type { BackendChoice } from '../trainer/backend';
import type { EngineChoice, FromTrainer, StartMessage } from '../shared/trainerProtocol';
import { targetSpec } from './commands';
import { outputChannelLines } from './outputLog';
import { HealthDiagnostics } from './healthDiagnostics';

/** Context key: true while any run is training (enables "Stop Training"). */
const TRAINING_CONTEXT = 'modelSpec.training';

/** Who hears about runs: the panel. `key` identifies one run until its folder is known. */
export interface TrainingListener {
  /** A batch of runs is about to start (the panel opens and shows them). */
  onTrainingStart(specUri: vscode.Uri, variants: (string | undefined)[]): void;
  onMessage(key: string, spec: string, variant: string | undefined, m: FromTrainer): void;
  /** Every run of the batch ended; `specText` is the text they trained. */
  onTrainingDone?(specUri: vscode.Uri, specText: string, outcomes: readonly { variant: string | undefined; outcome: TrainerOutcome }[]): void;
}

interface ActiveRun {
  key: string;
  variant: string | undefined;
  client: TrainerClient;
  /** The latest progress, for the notification and the status bar. */
  line: string;
  fraction: number;
  epochs: number;
  /** Seconds of each finished epoch, for the whole run's ETA. */
  epochSeconds: number[];
  /** Known once the trainer sends `started`. */
  runDir?: string;
}

/** The document of the spec a command acts on (see `targetSpec`). */
async function specDocument(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const spec = targetSpec(arg);
  return spec && vscode.workspace.openTextDocument(spec);
}

/** The training settings that apply to a spec (its workspace folder's). */
export function trainingSettings(scope: vscode.Uri): { runsDir: string; parallel: number; backend: BackendChoice; engine: EngineChoice } {
  const c = vscode.workspace.getConfiguration('modelSpec', scope);
  const folder = vscode.workspace.getWorkspaceFolder(scope)?.uri.fsPath ?? (scope.scheme === 'file' ? path.dirname(scope.fsPath) : os.homedir());
  const runs = c.get<string>('runsDirectory') || 'runs';
  const parallel = c.get<number>('training.parallelRuns') || Math.max(1, os.cpus().length - 1);
  return {
    runsDir: path.resolve(folder, runs), parallel: Math.max(1, Math.floor(parallel)),
    backend: c.get<BackendChoice>('training.backend') ?? 'auto', engine: c.get<EngineChoice>('training.engine') ?? 'auto',
  };
}

/** `loss 0.1234 · accuracy 0.9650`: the running metrics a progress line shows. */
function metricText(metrics: Record<string, number>): string {
  return shownMetrics(metrics).map(([k, v]) => `${k} ${formatProgressValue(v)}`).join(' · ');
}

/**
 * Seconds left in the whole run: the rest of this epoch, plus the later epochs at the mean
 * time of the finished ones (or of this one so far, before any finished).
 */
function runEta(run: ActiveRun, m: Extract<FromTrainer, { type: 'batch' }>): number {
  const done = run.epochSeconds;
  const perEpoch = done.length ? done.reduce((a, b) => a + b, 0) / done.length : m.elapsedSeconds + m.etaSeconds;
  return m.etaSeconds + Math.max(0, run.epochs - m.epoch - 1) * perEpoch;
}

/** Trains specs in trainer processes and reports on them. */
export class TrainingController implements vscode.Disposable {
  private readonly active = new Map<string, ActiveRun>();
  private readonly statusItem = vscode.window.createStatusBarItem('modelSpec.training', vscode.StatusBarAlignment.Left, 10);
  private readonly listeners: TrainingListener[] = [];
  private stopRequested = false;
  private nextKey = 0;

  constructor(private readonly trainerPath: string, private readonly output: vscode.OutputChannel) {
    this.statusItem.name = 'Model Spec Training';
    this.statusItem.command = 'modelSpec.stopTraining';
  }

  addListener(l: TrainingListener): void {
    this.listeners.push(l);
  }

  get isTraining(): boolean {
    return this.active.size > 0;
  }

  /**
   * "Train Model": the base spec, or (with variants) the variant the user picks, or all of them.
   * A variant name as the second argument (the variant's CodeLens) trains just that one.
   */
  async trainModel(arg?: unknown, variant?: unknown): Promise<void> {
    const doc = await this.pickSpec(arg);
    if (!doc) return;
    const names = variantNames(analyze(doc.getText()));
    if (typeof variant === 'string' && names.includes(variant)) return this.train(doc, [variant]);
    if (!names.length) return this.train(doc, [undefined]);
    const all = `$(run-all) All ${names.length} variants`;
    const pick = await vscode.window.showQuickPick([all, ...names], { title: 'Train which variant?', placeHolder: 'The spec has variants' });
    if (pick === undefined) return;
    return this.train(doc, pick === all ? names : [pick]);
  }

  /** "Train All Variants" (the base spec when there are none). */
  async trainAllVariants(arg?: unknown): Promise<void> {
    const doc = await this.pickSpec(arg);
    if (!doc) return;
    const names = variantNames(analyze(doc.getText()));
    return this.train(doc, names.length ? names : [undefined]);
  }

  /** "Stop Training": every run stops after its current batch and keeps what it learned. */
  stop(): void {
    if (!this.active.size) {
      void vscode.window.showInformationMessage('Nothing is training.');
      return;
    }
    this.stopRequested = true;
    for (const r of this.active.values()) r.client.cancel();
    this.output.appendLine('Stopping: each run finishes its current batch and saves what it learned.');
  }

  /** Stops one run (the panel's Stop button) after its current batch. */
  stopRun(runDir: string): void {
    for (const r of this.active.values()) if (r.runDir === runDir) r.client.cancel();
  }

  /** Whether a trainer is writing this run folder now (else a "running" folder was interrupted). */
  isRunning(runDir: string): boolean {
    return [...this.active.values()].some((r) => r.runDir === runDir);
  }

  private async pickSpec(arg: unknown): Promise<vscode.TextDocument | undefined> {
    if (!vscode.workspace.isTrusted) {
      const manage = 'Manage Workspace Trust';
      const choice = await vscode.window.showWarningMessage(
        'Training is disabled in Restricted Mode: it runs a trainer process that reads the data files the spec names. Trust this workspace to train; editing and checking specs work either way.',
        manage,
      );
      if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const doc = await specDocument(arg);
    if (!doc) {
      void vscode.window.showInformationMessage('Open a model spec (*.model.json) to train it.');
      return undefined;
    }
    if (this.active.size) {
      void vscode.window.showWarningMessage('A training run is in progress. Stop it first (Model Spec: Stop Training).', 'Stop Training').then((c) => {
        if (c) this.stop();
      });
      return undefined;
    }
    const analysis = analyze(doc.getText());
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) {
      const show = 'Show Problems';
      void vscode.window.showErrorMessage(`${path.basename(doc.uri.path)} has ${errors.length} error${errors.length === 1 ? '' : 's'}, so it cannot be trained. First: ${errors[0].message}`, show).then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
      return undefined;
    }
    return doc;
  }

  /** Trains `variants` of `doc` (undefined = the base spec), several at once up to the parallel setting. */
  private async train(doc: vscode.TextDocument, variants: (string | undefined)[]): Promise<void> {
    const cfg = trainingSettings(doc.uri);
    const specText = doc.getText();
    const base = specNameFromFile(path.basename(doc.uri.path));
    const resolved = resolveSpec(analyze(specText), variants[0], base);
    const specName = resolved.ok ? resolved.spec.name : base;
    // Untitled specs have no folder: their relative data paths resolve against the workspace.
    const specPath = doc.uri.scheme === 'file' ? doc.uri.fsPath : path.join(path.dirname(cfg.runsDir), `${base}.model.json`);
    const parallel = Math.min(cfg.parallel, variants.length);
    // Several trainers share the cores: one wasm thread each.
    const threads = parallel > 1 ? 1 : undefined;
    this.stopRequested = false;
    for (const l of this.listeners) l.onTrainingStart(doc.uri, variants);
    this.output.appendLine(`Training ${specName}: ${variants.length > 1 ? `${variants.length} variants, ${parallel} at a time` : variants[0] === undefined ? 'the spec' : `variant "${variants[0]}"`}. Runs go to ${cfg.runsDir}`);
    void vscode.commands.executeCommand('setContext', TRAINING_CONTEXT, true);

    const outcomes: { variant: string | undefined; outcome: TrainerOutcome }[] = [];
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Training ${specName}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => this.stop());
        let reported = 0;
        const report = (): void => {
          const runs = [...this.active.values()];
          const done = outcomes.length + runs.reduce((s, r) => s + r.fraction, 0);
          const total = (done / variants.length) * 100;
          const head = variants.length > 1 ? `${outcomes.length}/${variants.length} done · ` : '';
          progress.report({ message: head + runs.map((r) => r.line).join(' | '), increment: Math.max(0, total - reported) });
          reported = Math.max(reported, total);
          this.statusItem.text = `$(sync~spin) ${specName}${variants.length > 1 ? ` ${outcomes.length}/${variants.length}` : ''}${runs[0] ? ` · ${runs[0].line.split(' · ').slice(0, 2).join(' · ')}` : ''}`;
          this.statusItem.tooltip = `Model Spec is training ${specName}. Click to stop after the current batch.`;
          this.statusItem.show();
        };
        const queue = [...variants];
        const worker = async (): Promise<void> => {
          while (queue.length && !this.stopRequested) {
            const variant = queue.shift();
            const start: StartMessage = {
              type: 'start', specPath, specText, runsDir: cfg.runsDir, backend: cfg.backend, engine: cfg.engine,
              ...(variant === undefined ? {} : { variant }), ...(threads ? { threads } : {}),
            };
            const position = variant === undefined ? undefined : `${variants.indexOf(variant) + 1} of ${variants.length}`;
            // Whatever goes wrong with one variant is its failure; the queue goes on.
            const outcome = await this.runOne(specName, variant, position, start, report)
              .catch((e: unknown): TrainerOutcome => ({ status: 'failed', error: `cannot run the trainer: ${e instanceof Error ? e.message : String(e)}` }));
            outcomes.push({ variant, outcome });
            report();
          }
        };
        await Promise.all(Array.from({ length: parallel }, worker));
      },
    );
    void vscode.commands.executeCommand('setContext', TRAINING_CONTEXT, false);
    this.statusItem.hide();
    this.summarize(specName, outcomes);
    for (const l of this.listeners) l.onTrainingDone?.(doc.uri, specText, outcomes);
  }

  private async runOne(spec: string, variant: string | undefined, position: string | undefined, start: StartMessage, report: () => void): Promise<TrainerOutcome> {
    const key = `run-${++this.nextKey}`;
    const run: ActiveRun = {
      key, variant, line: `${variant ?? spec}: starting`, fraction: 0, epochs: 1, epochSeconds: [],
      client: new TrainerClient(this.trainerPath, start, {
        onMessage: (m) => {
          for (const line of outputChannelLines(m, position)) this.output.appendLine(line);
          this.progressOf(run, m, report);
          for (const l of this.listeners) l.onMessage(key, spec, variant, m);
        },
        onOutput: (s) => this.output.append(s),
      }),
    };
    this.active.set(key, run);
    try {
      const outcome = await run.client.done;
      if (outcome.error !== undefined) this.output.appendLine(`${variant === undefined ? spec : `${spec} / ${variant}`}: ${outcome.status}: ${outcome.error}`);
      return outcome;
    } finally {
      this.active.delete(key);
    }
  }

  private progressOf(run: ActiveRun, m: FromTrainer, report: () => void): void {
    const name = run.variant ?? 'training';
    switch (m.type) {
      case 'started':
        run.runDir = m.runDir;
        run.epochs = m.epochs;
        run.line = `${name}: epoch 1/${m.epochs}`;
        break;
      case 'batch':
        run.fraction = (m.epoch + m.step / m.steps) / run.epochs;
        run.line = `${name}: epoch ${m.epoch + 1}/${run.epochs} · batch ${m.step}/${m.steps} · ETA ${formatEta(runEta(run, m))} · ${metricText(m.metrics)}`;
        break;
      case 'epoch':
        run.epochSeconds.push(m.seconds);
        run.fraction = (m.epoch + 1) / m.epochs;
        run.line = `${name}: epoch ${m.epoch + 1}/${m.epochs} · ${metricText(m.metrics)}`;
        break;
      case 'evaluation':
        run.line = `${name}: test ${metricText(m.metrics)}`;
        break;
      default:
        return;
    }
    report();
  }

  /** One message for the whole batch of runs, with the actions that help. */
  private summarize(spec: string, outcomes: { variant: string | undefined; outcome: TrainerOutcome }[]): void {
    const failed = outcomes.filter((o) => o.outcome.status === 'failed');
    const nan = outcomes.filter((o) => o.outcome.result && !Number.isFinite(o.outcome.result.history.loss?.at(-1) ?? 0));
    const openLog = 'Open Log';
    const name = (v: string | undefined): string => (v === undefined ? spec : `"${v}"`);
    if (failed.length) {
      const first = failed[0];
      const others = outcomes.length > failed.length ? `; the other ${outcomes.length - failed.length} ran` : '';
      const which = failed.length > 1 ? `${failed.map((f) => name(f.variant)).join(', ')} failed${others}. First, ${name(first.variant)}` : `${name(first.variant)} failed${others}`;
      void vscode.window.showErrorMessage(`Training ${which}: ${first.outcome.error ?? 'unknown reason'}`, openLog)
        .then((c) => { if (c) this.output.show(true); });
      return;
    }
    if (nan.length) {
      void vscode.window.showWarningMessage(`Training ${name(nan[0].variant)} stopped: the loss became NaN (try a lower learning rate).`, openLog)
        .then((c) => { if (c) this.output.show(true); });
      return;
    }
    const cancelled = outcomes.filter((o) => o.outcome.status === 'cancelled').length;
    const test = outcomes.map((o) => o.outcome.result?.test?.accuracy).filter((a): a is number => a !== undefined);
    const best = test.length ? ` Best test accuracy: ${(Math.max(...test) * 100).toFixed(2)}%.` : '';
    void vscode.window.showInformationMessage(cancelled
      ? `Training ${spec} stopped; ${cancelled} run${cancelled === 1 ? '' : 's'} kept what was learned.${best}`
      : `Training ${spec} finished: ${outcomes.length} run${outcomes.length === 1 ? '' : 's'}.${best}`);
  }

  dispose(): void {
    // Closing or reloading the window: each run stops after its batch and keeps what it learned.
    for (const r of this.active.values()) r.client.detach();
    this.statusItem.dispose();
  }
}

/** Registers the training commands; returns the controller so the panel can listen. */
export function registerTraining(context: vscode.ExtensionContext, output: vscode.OutputChannel): TrainingController {
  const controller = new TrainingController(context.asAbsolutePath(path.join('dist', 'trainer.js')), output);
  const health = new HealthDiagnostics();
  controller.addListener(health);
  context.subscriptions.push(
    controller,
    health,
    vscode.commands.registerCommand('modelSpec.trainModel', (arg?: unknown, variant?: unknown) => controller.trainModel(arg, variant)),
    vscode.commands.registerCommand('modelSpec.trainAllVariants', (arg?: unknown) => controller.trainAllVariants(arg)),
    vscode.commands.registerCommand('modelSpec.stopTraining', () => controller.stop()),
  );
  return controller;
}
