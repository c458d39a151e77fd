/**
 * The Keras-style training log, rendered from the trainer's structured messages: the run header,
 * `Epoch 3/10`, the verbose=2 epoch line, the callbacks' messages with Keras's exact texts, the
 * invalid-loss warning and the test line. The trainer sends numbers; every host (the terminal,
 * the Output channel, the panel's log view) prints these lines. Pure: no I/O, no `vscode`, no
 * Node modules, so the webview bundle imports it too.
 */
import { pyFormatNumber, pyRepr } from '../core/pyFormat';
import type { CallbackWarningMessage, CheckpointMessage, FromTrainer, Metrics, StartedMessage } from './trainerProtocol';
import { formatEpochHeader, formatEpochSummaryLine, type MetricPairs } from './progress';

/** One log line; `warning` is what Python would print through `warnings.warn`. */
export interface LogLine {
  level: 'info' | 'warning';
  text: string;
}

/** What the host knows beyond the message. */
export interface LogContext {
  /** Which of several variants this run is, e.g. `2 of 5`. */
  position?: string;
  /** How a path is shown (the CLI shortens it relative to its folder); as it is by default. */
  showPath?(p: string): string;
}

/** `1,234 epochs`. */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** Whether a log key is the learning rate (`lr` in Keras 2 histories), which progress lines and charts leave out. */
export function isLearningRate(key: string): boolean {
  return key === 'learning_rate' || key === 'lr';
}

/** Metrics as progress lines show them: the learning rate stays in the history, not on the line. */
export function shownMetrics(metrics: Metrics): MetricPairs {
  return Object.entries(metrics).filter(([k]) => !isLearningRate(k));
}

/** `.4f`, or `-` when missing. */
export function f4(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(4);
}

/** `Test: loss 0.0712 - accuracy 0.9781`. */
function formatTestLine(metrics: Metrics): string {
  return `Test: ${Object.entries(metrics).map(([k, v]) => `${k} ${f4(v)}`).join(' - ')}`;
}

/** The lines a message adds to the log (none for progress-only messages such as `batch`). */
export function kerasLogLines(m: FromTrainer, ctx: LogContext = {}): LogLine[] {
  const show = ctx.showPath ?? ((p: string) => p);
  switch (m.type) {
    case 'started':
      return info(...headerLines(m, ctx.position, show));
    case 'epochBegin':
      return info(formatEpochHeader(m.epoch, m.epochs));
    case 'epoch':
      // Runs recorded before `steps` existed logged this line as text.
      if (m.steps === undefined) return [];
      return info(formatEpochSummaryLine({ target: m.steps, current: m.stepsDone, elapsedSeconds: m.seconds, values: shownMetrics(m.metrics) }));
    case 'invalidLoss':
      return [{ level: 'warning', text: `Batch ${m.batch}: Invalid loss, terminating training` }];
    case 'earlyStopping':
      if (m.verbose <= 0) return [];
      return info(
        ...(m.epoch === null ? [] : [`Epoch ${m.epoch}: early stopping`]),
        ...(m.restored ? [`Restoring model weights from the end of the best epoch: ${m.bestEpoch}.`] : []),
      );
    case 'checkpoint':
      return m.verbose > 0 ? info(...checkpointLines(m)) : [];
    case 'checkpointSkipped':
      return m.verbose > 0 ? info(`Epoch ${m.epoch}: ${m.monitor} did not improve from ${f5(m.best)}`) : [];
    case 'learningRate':
      return m.verbose > 0 ? info(`Epoch ${m.epoch}: ReduceLROnPlateau reducing learning rate to ${pyRepr(m.to)}.`) : [];
    case 'callbackWarning':
      return [{ level: 'warning', text: callbackWarningText(m) }];
    case 'evaluation':
      return info(formatTestLine(m.metrics));
    case 'done': {
      const threads = m.result.engineThreads ? [`Fused kernel threads: ${m.result.engineThreads}`] : [];
      return m.status === 'cancelled'
        ? info(...threads, `Cancelled after ${plural(m.result.epochsRun, 'epoch')}; the run folder keeps what was learned: ${show(m.runDir)}`)
        : info(...threads);
    }
    case 'ready':
    case 'batch':
    case 'health':
    case 'error':
      // Progress and health are drawn, not logged; a failure is each host's own report (stderr, a notification).
      return [];
    default:
      return unknown(m);
  }
}

function info(...texts: string[]): LogLine[] {
  return texts.map((text) => ({ level: 'info', text }));
}

/** Python `'%.5f'`, as ModelCheckpoint prints values; `None` before any. */
function f5(x: number | null): string {
  return x === null ? 'None' : pyFormatNumber(x, '.5f', false);
}

/** The run header: what trains where, on which data, and the Keras summary. */
function headerLines(m: StartedMessage, position: string | undefined, show: (p: string) => string): string[] {
  const count = (n: number): string => n.toLocaleString('en-US');
  return [
    `Training ${m.spec}${m.variant === undefined ? '' : `, variant "${m.variant}"`}${position ? ` (${position})` : ''}`,
    `Backend: ${m.backend}${m.backendReason ? ` - ${m.backendReason}` : ''}`,
    // Runs recorded before there was a choice of engine do not say which ran.
    ...(m.engine ? [`Engine: ${m.engine} - ${m.engineReason}`] : []),
    `Run folder: ${show(m.runDir)}`,
    `Data: ${count(m.trainCount)} train, ${count(m.validationCount)} validation, ${count(m.testCount)} test samples` +
      (m.dataSources.length ? ` (${m.dataSources.join('; ')})` : ''),
    `Fit: ${plural(m.epochs, 'epoch')}, batch size ${m.batchSize}, ${plural(m.stepsPerEpoch, 'step')} per epoch`,
    ...(m.health ? [`Health: ${m.health}`] : []),
    '',
    ...m.summary.replace(/\n+$/, '').split('\n'),
    '',
  ];
}

/** ModelCheckpoint's lines around a save, as Keras 3 prints them before and after saving. */
function checkpointLines(m: CheckpointMessage): string[] {
  const before = !m.saveBestOnly
    ? [`Epoch ${m.epoch}: saving model to ${m.path}`]
    : m.current === null
      ? [] // Keras warned that it cannot compare, and saves without a line.
      : [`Epoch ${m.epoch}: ${m.monitor} improved from ${f5(m.previous)} to ${f5(m.current)}, saving model to ${m.path}`];
  return [...before, `Epoch ${m.epoch}: finished saving model to ${m.path}`];
}

/** Keras's warning texts (keras/src/callbacks/*.py). */
function callbackWarningText(m: CallbackWarningMessage): string {
  if (m.warning === 'unknownMode') return `${m.callback} mode '${m.mode}' is unknown, fallback to auto mode.`;
  const available = m.available.join(',');
  switch (m.callback) {
    case 'EarlyStopping':
      return `Early stopping conditioned on metric \`${m.monitor}\` which is not available. Available metrics are: ${available}`;
    case 'ReduceLROnPlateau':
      return `Learning rate reduction is conditioned on metric \`${m.monitor}\` which is not available. Available metrics are: ${available}.`;
    case 'ModelCheckpoint':
    default:
      return `Can save best model only with ${m.monitor} available.`;
  }
}

/** Exhaustiveness check at compile time; a newer trainer's new message adds no line. */
function unknown(_value: never): never[] {
  return [];
}
