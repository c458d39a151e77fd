/**
 * Keras 2 style `fit()` progress lines (tf-keras `Progbar`, keras/utils/generic_utils.py in
 * Keras 2.7-2.15), as pure functions of counts, elapsed seconds and ordered metric pairs, so they
 * can be tested without a clock. No terminal control characters: the caller decides whether a
 * running line overwrites the previous one (`\r`) or goes to a log.
 */

import { pyFormatNumber } from '../core/pyFormat';

/** Ordered `(name, value)` pairs as Keras passes them to the progress bar: `loss` first, then metrics, then `val_*`. */
export type MetricPairs = ReadonlyArray<readonly [string, number]>;

/** Keras's bar width. */
export const PROGBAR_WIDTH = 30;

/** Python `%.0f` / `{:.0f}`: round half to even on the exact value (2.5 -> "2"). */
function f0(x: number): string {
  return pyFormatNumber(x, '.0f', false);
}

/** Python float `a % b` (sign of b) and `a // b`, as CPython computes them. */
function pyDivmod(a: number, b: number): [number, number] {
  let mod = a % b; // JS % is C fmod
  let div = (a - mod) / b;
  if (mod) {
    if (b < 0 !== mod < 0) {
      mod += b;
      div -= 1;
    }
  } else {
    mod = b < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    floordiv = a / b < 0 ? -0 : 0;
  }
  return [floordiv, mod];
}

/** Python `'%02d' % x` for a float x: truncate, then zero-pad. */
function d2(x: number): string {
  const t = Math.trunc(x);
  return t < 0 ? String(t) : String(t).padStart(2, '0');
}

/** The `Epoch N/M` line printed before each epoch; `epoch` is 0-based. */
export function formatEpochHeader(epoch: number, epochs: number): string {
  return `Epoch ${epoch + 1}/${epochs}`;
}

/** Keras's ETA text: `h:mm:ss` above an hour, `m:ss` above a minute, else `Ns` (all truncated). */
export function formatEta(seconds: number): string {
  if (seconds > 3600) {
    const [h, rest] = pyDivmod(seconds, 3600);
    const [m] = pyDivmod(rest, 60);
    const [, s] = pyDivmod(seconds, 60);
    return `${Math.trunc(h)}:${d2(m)}:${d2(s)}`;
  }
  if (seconds > 60) {
    const [m, s] = pyDivmod(seconds, 60);
    return `${Math.trunc(m)}:${d2(s)}`;
  }
  return `${Math.trunc(seconds)}s`;
}

/** Keras's `_format_time`: `Ns/unit` from 1 s (or exactly 0), `Nms/unit` from 1 ms, else `Nus/unit`. */
export function formatTimePerUnit(seconds: number, unit = 'step'): string {
  if (seconds >= 1 || seconds === 0) return `${f0(seconds)}s/${unit}`;
  if (seconds >= 1e-3) return `${f0(seconds * 1000.0)}ms/${unit}`;
  return `${f0(seconds * 1000000.0)}us/${unit}`;
}

/**
 * A metric value: `.4f`, or `.4e` for small values. verbose=1 tests `abs(x) > 1e-3`; verbose=2
 * tests `x > 1e-3` without abs (so negative values print in `e` form), as Keras 2 does.
 */
export function formatProgressValue(value: number, verbose: 1 | 2 = 1): string {
  const big = verbose === 1 ? Math.abs(value) > 1e-3 : value > 1e-3;
  return pyFormatNumber(value, big ? '.4f' : '.4e', false);
}

/**
 * Keras's `_estimate_step_duration`: 0 before any step; after the first step, the time since the
 * first step per later step (the first step is usually slow); else elapsed / current.
 * @param elapsedAtFirstStep seconds since the epoch start when step 1 finished, null if unknown.
 */
export function estimateStepDuration(current: number, elapsedSeconds: number, elapsedAtFirstStep: number | null): number {
  if (!current) return 0;
  if (elapsedAtFirstStep !== null && current > 1) return (elapsedSeconds - elapsedAtFirstStep) / (current - 1);
  return elapsedSeconds / current;
}

function metricsText(values: MetricPairs, verbose: 1 | 2): string {
  return values.map(([k, v]) => ` - ${k}: ${formatProgressValue(v, verbose)}`).join('');
}

function countText(current: number, target: number): string {
  // '%{numdigits}d/%d' with numdigits = int(log10(target)) + 1: the digits of the target.
  const digits = String(Math.trunc(target)).length;
  return `${String(current).padStart(digits, ' ')}/${target}`;
}

/** Inputs of a verbose=1 progress line. */
export interface ProgressLineInput {
  /** Steps done in this epoch. */
  current: number;
  /** Steps per epoch, null when unknown. */
  target: number | null;
  /** Seconds since the epoch started. */
  elapsedSeconds: number;
  /** Seconds per step, e.g. from `estimateStepDuration`. */
  timePerStep: number;
  /** Values to show, in order (running means during the epoch; with `val_*` at the end). */
  values: MetricPairs;
  /** Final line of the epoch; defaults to `current >= target` as in Keras. */
  finalize?: boolean;
  /** Bar width, Keras's 30 by default. */
  width?: number;
  /** Unit name, `step` by default. */
  unit?: string;
}

/**
 * The verbose=1 line: `current/target [====>.....] - ETA: 12s - loss: 0.3456` while running and
 * `1719/1719 [==============================] - 5s 3ms/step - loss: ... - val_loss: ...` when done.
 */
export function formatProgressLine(p: ProgressLineInput): string {
  const width = p.width ?? PROGBAR_WIDTH;
  const unit = p.unit ?? 'step';
  const finalize = p.finalize ?? (p.target === null ? false : p.current >= p.target);
  let bar: string;
  if (p.target !== null) {
    bar = `${countText(p.current, p.target)} [`;
    const progWidth = Math.trunc(width * (p.current / p.target));
    if (progWidth > 0) {
      bar += '='.repeat(progWidth - 1);
      bar += p.current < p.target ? '>' : '=';
    }
    bar += '.'.repeat(Math.max(0, width - progWidth));
    bar += ']';
  } else {
    bar = `${String(p.current).padStart(7, ' ')}/Unknown`;
  }
  let info: string;
  if (p.target === null || finalize) {
    info = ` - ${f0(p.elapsedSeconds)}s ${formatTimePerUnit(p.timePerStep, unit)}`;
  } else {
    info = ` - ETA: ${formatEta(p.timePerStep * (p.target - p.current))}`;
  }
  return bar + info + metricsText(p.values, 1);
}

/** Inputs of a verbose=2 epoch line. */
export interface EpochSummaryInput {
  /** Steps per epoch. */
  target: number;
  /** Steps done; defaults to `target`. */
  current?: number;
  /** Seconds since the epoch started, at the end of the epoch (validation included). */
  elapsedSeconds: number;
  /** Final epoch values in order, `val_*` included. */
  values: MetricPairs;
  /** Unit name, `step` by default. */
  unit?: string;
}

/**
 * The verbose=2 line, one per epoch:
 * `1719/1719 - 5s - loss: 0.3456 - accuracy: 0.9012 - val_loss: ... - 5s/epoch - 3ms/step`.
 * The per-epoch/per-step tail appears when the epoch reached its target, as in Keras.
 */
export function formatEpochSummaryLine(s: EpochSummaryInput): string {
  const current = s.current ?? s.target;
  let line = `${countText(current, s.target)} - ${f0(s.elapsedSeconds)}s${metricsText(s.values, 2)}`;
  if (current === s.target) {
    line += ` - ${formatTimePerUnit(s.elapsedSeconds, 'epoch')}`;
    line += ` - ${formatTimePerUnit(s.elapsedSeconds / s.target, s.unit ?? 'step')}`;
  }
  return line;
}
