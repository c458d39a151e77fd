/**
 * How many threads the fused kernel uses for its next step, chosen by measuring. Two threads pay
 * only when both cores are there: when another process is busy (VS Code itself, a build, a second
 * training run), a job waits for a worker whose core is taken, and 2 threads run at a fraction
 * of 1 thread's speed. So the tuner times short blocks of steps on each thread count, keeps the
 * fastest for a while, probes again, and probes early when steps get slower than it measured.
 */

/** Steps per timed block of one thread count. */
const PROBE_STEPS = 12;
/** Steps on the chosen count before probing again: doubling while the choice stays the same, up to the most. */
const RUN_STEPS = 400;
const MOST_RUN_STEPS = 3200;
/** More threads must be this much faster per sample to be chosen (else the fewer are kept, leaving a core free). */
const MARGIN = 0.05;
/** A run of steps this much slower than the chosen count measured makes the tuner probe early. */
const SLOWER = 1.5;
/** Steps in that run. */
const SLOW_STEPS = 24;

type Phase = { kind: 'probe'; order: number[]; block: number; times: number[][] } | { kind: 'run'; left: number; slow: number };

export class ThreadTuner {
  private phase: Phase;
  private chosen: number;
  private runSteps = RUN_STEPS;
  /** The chosen count's median seconds per sample when it was probed. */
  private expected = Infinity;
  /** Steps trained on each thread count. */
  readonly steps = new Map<number, number>();

  /** `max` threads available (1 means no choice to make). */
  constructor(private readonly max: number) {
    this.chosen = max;
    this.phase = this.probe();
  }

  /** The thread count for the next step. */
  get threads(): number {
    return this.phase.kind === 'probe' ? this.phase.order[this.phase.block] : this.chosen;
  }

  /** Records the last step: its seconds for `samples` examples on `this.threads` threads. */
  record(seconds: number, samples: number): void {
    const threads = this.threads;
    this.steps.set(threads, (this.steps.get(threads) ?? 0) + 1);
    if (this.max === 1) return;
    const perSample = seconds / Math.max(1, samples);
    if (this.phase.kind === 'probe') this.recordProbe(this.phase, perSample);
    else this.recordRun(this.phase, perSample);
  }

  /** Blocks of each count in turn, more threads first and last (a count measured twice, apart, is less fooled by a burst of load). */
  private probe(): Phase {
    const order = this.max === 1 ? [1] : [this.max, 1, 1, this.max];
    return { kind: 'probe', order, block: 0, times: order.map(() => []) };
  }

  private recordProbe(p: Extract<Phase, { kind: 'probe' }>, perSample: number): void {
    const times = p.times[p.block];
    times.push(perSample);
    if (times.length < PROBE_STEPS) return;
    if (++p.block < p.order.length) return;
    const median = (counts: number): number => medianOf(p.order.flatMap((c, i) => (c === counts ? p.times[i] : [])));
    const [many, one] = [median(this.max), median(1)];
    const chosen = many < one * (1 - MARGIN) ? this.max : 1;
    this.runSteps = chosen === this.chosen ? Math.min(this.runSteps * 2, MOST_RUN_STEPS) : RUN_STEPS;
    this.chosen = chosen;
    this.expected = chosen === 1 ? one : many;
    this.phase = { kind: 'run', left: this.runSteps, slow: 0 };
  }

  private recordRun(r: Extract<Phase, { kind: 'run' }>, perSample: number): void {
    r.slow = perSample > this.expected * SLOWER ? r.slow + 1 : 0;
    if (--r.left <= 0 || r.slow >= SLOW_STEPS) this.phase = this.probe();
  }

  /** What the run used, e.g. `2 threads for 1,510 steps, 1 thread for 209`. */
  describe(): string {
    const parts = [...this.steps].sort((a, b) => b[0] - a[0]).map(([t, n], i) => `${t} thread${t === 1 ? '' : 's'} for ${n.toLocaleString('en-US')}${i ? '' : ' steps'}`);
    return parts.join(', ');
  }
}

function medianOf(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return Infinity;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
