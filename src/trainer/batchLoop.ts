/**
 * The parts of the training loop around each step, one job each: the epoch's example order, what
 * changes with the global step (scheduled learning rate, dropout seeds), Keras's running means,
 * how often `batch` messages go out, when the event loop gets a turn, and the cancel check.
 * They allocate nothing per batch.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ResolvedSpec } from '../core/resolve';
import type { Logs } from './callbacks';
import { getLearningRate, setLearningRate } from './compileModel';
import { deriveSeed, Rng } from './random';
import type { Schedule } from './schedules';

/** The training set's indices in each epoch's order: a seeded Fisher-Yates shuffle, or as stored. */
export class EpochOrder {
  private readonly order: Int32Array;

  constructor(count: number, private readonly shuffle: boolean, private readonly seed: number) {
    this.order = new Int32Array(count);
  }

  /** The order for `epoch` (0-based); the same buffer each epoch, so use it before asking for the next. */
  forEpoch(epoch: number): Int32Array {
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (!this.shuffle) return order;
    const rng = new Rng(deriveSeed(this.seed, 'shuffle', epoch));
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.nextDouble() * (i + 1));
      const t = order[i]; order[i] = order[j]; order[j] = t;
    }
    return order;
  }
}

/** A Dropout layer whose mask must be reproducible, and the seed for its mask at each step. */
interface DropoutSeed {
  layer: { seed?: number };
  seedAt(step: number): number;
}

/**
 * Dropout layers whose masks must be reproducible: with a spec or layer seed, each batch gets its
 * own mask seed derived from it (tfjs would reuse one fixed seed for every batch, i.e. one mask).
 */
function dropoutSeeds(model: tfl.LayersModel, spec: ResolvedSpec): DropoutSeed[] {
  const out: DropoutSeed[] = [];
  model.layers.forEach((layer, i) => {
    if (layer.getClassName() !== 'Dropout') return;
    const own = (layer as unknown as { seed?: number }).seed;
    const base = own ?? (spec.seed === undefined ? undefined : deriveSeed(spec.seed, 'dropout', i));
    if (base === undefined) return;
    out.push({ layer: layer as unknown as { seed?: number }, seedAt: (step) => deriveSeed(base, step) });
  });
  return out;
}

/** What changes with the global step (batches applied so far): the scheduled learning rate and the dropout seeds. */
export class StepState {
  private iteration = 0;
  private readonly dropouts: DropoutSeed[];
  /** The rate the last `next()` returned. */
  learningRate = NaN;

  constructor(model: tfl.LayersModel, spec: ResolvedSpec, private readonly optimizer: tf.Optimizer, private readonly schedule: Schedule | undefined) {
    this.dropouts = dropoutSeeds(model, spec);
  }

  /** Moves to the next batch; returns the learning rate to train it with (callbacks may have changed it). */
  next(): number {
    if (this.schedule) setLearningRate(this.optimizer, this.schedule(this.iteration));
    for (const d of this.dropouts) d.layer.seed = d.seedAt(this.iteration);
    this.iteration++;
    this.learningRate = getLearningRate(this.optimizer);
    return this.learningRate;
  }
}

/**
 * Keras's batch logs: the mean of each value over the epoch's examples so far; for a ratio
 * metric (`ratios`: its index among the keys), the ratio of its counts summed so far, which a
 * step's values carry after the keys' (engine.ts's `ratioMetrics`).
 */
export class RunningMeans {
  /** The means so far, keyed by log name; updated in place after each batch. */
  readonly logs: Logs = {};
  /** Examples seen this epoch. */
  seen = 0;
  private readonly sums: Float64Array;

  constructor(private readonly keys: readonly string[], private readonly ratios: readonly number[] = []) {
    this.sums = new Float64Array(keys.length + 2 * ratios.length);
    this.reset();
  }

  /** Starts an epoch: every mean 0. */
  reset(): void {
    this.sums.fill(0);
    this.seen = 0;
    for (const k of this.keys) this.logs[k] = 0;
  }

  /** Adds a batch of `size` examples whose mean values are `values` (in key order, then the ratio metrics' counts). */
  add(values: readonly number[], size: number): void {
    const n = this.keys.length;
    for (let i = 0; i < n; i++) this.sums[i] += values[i] * size;
    for (let i = n; i < this.sums.length; i++) this.sums[i] += values[i];
    this.seen += size;
    for (let i = 0; i < n; i++) this.logs[this.keys[i]] = this.sums[i] / this.seen;
    this.ratios.forEach((k, j) => {
      const [num, den] = [this.sums[n + 2 * j], this.sums[n + 2 * j + 1]];
      this.logs[this.keys[k]] = den === 0 ? 0 : num / den;
    });
  }
}

/** How often `batch` messages go out when the host does not say (StartMessage.batchIntervalMs). */
export const DEFAULT_BATCH_INTERVAL_MS = 250;

/** Throttles `batch` messages: each epoch's first and last batch, and at most one per interval between. */
export class BatchThrottle {
  private last = -Infinity;

  constructor(private readonly intervalMs = DEFAULT_BATCH_INTERVAL_MS) {}

  /** Starts an epoch: its first batch is sent. */
  reset(): void {
    this.last = -Infinity;
  }

  /** Whether the batch that ended at `now` (ms) gets a message; `lastOfEpoch` always does. */
  due(now: number, lastOfEpoch: boolean): boolean {
    if (now - this.last < this.intervalMs && !lastOfEpoch) return false;
    this.last = now;
    return true;
  }
}

/**
 * Lets IPC messages (cancel, disconnect) in between batches: tfjs's awaits alone never yield to
 * I/O. Every 20 ms rather than every batch: a turn of the event loop costs about a fifth of a
 * fused-kernel batch.
 */
export class EventLoopTurns {
  static readonly INTERVAL_MS = 20;
  private last = -Infinity;

  /** Starts an epoch: its first batch yields. */
  reset(): void {
    this.last = -Infinity;
  }

  due(now: number): boolean {
    return now - this.last >= EventLoopTurns.INTERVAL_MS;
  }

  async take(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.last = Date.now();
  }
}

/** The host's cancel request, asked once per batch and remembered. */
export class CancelWatch {
  requested = false;

  constructor(private readonly cancelled: () => boolean) {}

  /** Asks the host; true from the first time it said yes. */
  check(): boolean {
    if (!this.requested && this.cancelled()) this.requested = true;
    return this.requested;
  }
}
