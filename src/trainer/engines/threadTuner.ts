/**
 * How many threads the fused kernel uses for its next step, chosen by measuring. Two threads pay
 * only when both cores are there: when another process is busy (VS Code itself, a build, a second
 * training run), a job waits for a worker whose core is taken, and 2 threads run at a fraction
 * of 1 thread's speed. So the tuner times steps on 1 thread and on all, alternating (so both
 * see the same moment's load, and the same compilation tier early on) in blocks of two steps
 * whose first is not timed (it pays the switch: waking the worker, or the other core's cold
 * cache, which made 2 threads look up to 10% slower than they run), stops as soon as one is
 * clearly slower, keeps the faster for a while, probes again, and probes early when steps get
 * slower than it measured. When the machine's load is known (loadMeter.ts), it does not probe while
 * other processes keep a core busy (a probe there costs steps on 2 threads at a fraction of 1
 * thread's speed), goes to 1 thread as soon as they start, and probes again when they stop; and a
 * probe that picks 1 thread while the cores read free is checked again soon.
 */

/** Timed steps of each thread count in a probe, at most. */
const PROBE_STEPS = 12;
/** A probe stops after this many timed steps of each count once one count is clearly slower. */
const EARLY_STEPS = 2;
/** Steps at the start of a run on all threads that are not timed: first-touch page faults. */
const WARM_UP_STEPS = 4;
/** Steps on the chosen count before probing again: doubling while the choice stays the same, up to the most. */
const RUN_STEPS = 400;
const MOST_RUN_STEPS = 3200;
/**
 * Steps on 1 thread before probing again when a probe chose 1 thread while the load meter read
 * the cores free (doubling while probes agree): the two disagree, and on a VM whose host takes
 * its cores for a moment the probe is the likelier to be wrong. One such probe kept an idle
 * notebook MLP at batch 128 on 1 thread for 397 of 430 steps, at 70% of its speed.
 */
const DOUBTFUL_RUN_STEPS = 48;
/**
 * More threads must be this much faster per sample to be chosen (else the fewer are kept, leaving
 * a core free). Idle, 2 threads were 16% to 50% faster than 1 on the notebook MLP at batch 32 (and
 * more on larger models); beside a busy process, about half as fast.
 */
const MARGIN = 0.1;
/** A count this much slower than the other per sample ends a probe early. */
const CLEARLY_SLOWER = 1.25;
/** Steps whose mean time per sample, this much slower than the chosen count measured, make the tuner probe early. */
const SLOWER = 1.3;
const WINDOW_STEPS = 32;
/** Free cores (all less those other processes kept busy) short of the thread count by this much or more keep the tuner on 1 thread, without probing. */
const BUSY_SHORT = 0.5;

type Phase =
  | { kind: 'warm-up'; left: number }
  | { kind: 'probe'; next: number; one: number[]; many: number[]; switched: boolean }
  | { kind: 'run'; left: number; window: number; steps: number };

/** Cores other processes left free since the last call, or undefined when unknown (see LoadMeter.freeCores). */
export type FreeCores = () => number | undefined;

export class ThreadTuner {
  private phase: Phase;
  private chosen: number;
  private runSteps = RUN_STEPS;
  /** The chosen count's mean seconds per sample when it was probed, and the other count's. */
  private expected = Infinity;
  private other = Infinity;
  /** Steps trained on each thread count. */
  readonly steps = new Map<number, number>();
  /** Whether the fewest free cores read kept the tuner on 1 thread, and how many that was. */
  private heldByLoad = false;
  private fewestFree = Infinity;
  /** The last known load reading: whether other processes kept too many cores busy. */
  private lastBusy: boolean | undefined;

  /** `max` threads available (1 means no choice to make); `free` reads the machine's load. */
  constructor(private readonly max: number, private readonly free: FreeCores = () => undefined) {
    this.chosen = max;
    this.phase = max === 1 ? { kind: 'run', left: Infinity, window: 0, steps: 0 } : { kind: 'warm-up', left: WARM_UP_STEPS };
    if (max > 1 && this.busy() === true) this.hold();
  }

  /** Whether other processes keep too many cores busy for all threads to pay, or undefined when unknown. */
  private busy(): boolean | undefined {
    const free = this.free();
    if (free === undefined) return undefined;
    const busy = free <= this.max - BUSY_SHORT;
    if (busy) this.fewestFree = Math.min(this.fewestFree, free);
    this.lastBusy = busy;
    return busy;
  }

  /** Runs on 1 thread until the load is gone (checked every window of steps). */
  private hold(): void {
    this.heldByLoad = true;
    this.chosen = 1;
    this.phase = { kind: 'run', left: Infinity, window: 0, steps: 0 };
  }

  /** The thread count for the next step. */
  get threads(): number {
    if (this.max === 1) return 1;
    switch (this.phase.kind) {
      case 'warm-up': return this.max;
      case 'probe': return this.phase.next;
      default: return this.chosen;
    }
  }

  /** Counts a step on `this.threads` threads that is not timed (it did more work than the others). */
  skip(): void {
    this.steps.set(this.threads, (this.steps.get(this.threads) ?? 0) + 1);
  }

  /** Records the last step: its seconds for `samples` examples on `this.threads` threads. */
  record(seconds: number, samples: number): void {
    const threads = this.threads;
    this.steps.set(threads, (this.steps.get(threads) ?? 0) + 1);
    if (this.max === 1) return;
    const perSample = seconds / Math.max(1, samples);
    const p = this.phase;
    if (p.kind === 'warm-up') {
      if (--p.left <= 0) this.probe();
    } else if (p.kind === 'probe') this.recordProbe(p, perSample);
    else this.recordRun(p, perSample);
  }

  /** Blocks of two steps on 1 thread and on all, alternating, the first on 1; or 1 thread while the machine is busy. */
  private probe(): void {
    if (this.busy() === true) this.hold();
    else this.phase = { kind: 'probe', next: 1, one: [], many: [], switched: true };
  }

  private recordProbe(p: Extract<Phase, { kind: 'probe' }>, perSample: number): void {
    if (p.switched) {
      p.switched = false;
      return;
    }
    p.switched = true;
    (p.next === 1 ? p.one : p.many).push(perSample);
    p.next = p.next === 1 ? this.max : 1;
    if (p.one.length !== p.many.length) return;
    // Means, not medians: a step that waited on a descheduled worker is what load costs.
    const [one, many] = [meanOf(p.one), meanOf(p.many)];
    const early = p.one.length >= EARLY_STEPS && (many > one * CLEARLY_SLOWER || one > many * CLEARLY_SLOWER);
    if (p.one.length < PROBE_STEPS && !early) return;
    const chosen = many < one * (1 - MARGIN) ? this.max : 1;
    const doubtful = chosen === 1 && this.lastBusy === false;
    this.runSteps = chosen === this.chosen ? Math.min(this.runSteps * 2, MOST_RUN_STEPS) : doubtful ? DOUBTFUL_RUN_STEPS : RUN_STEPS;
    this.chosen = chosen;
    [this.expected, this.other] = chosen === 1 ? [one, many] : [many, one];
    this.phase = { kind: 'run', left: this.runSteps, window: 0, steps: 0 };
  }

  /**
   * Runs on 1 thread without probing: all threads ran a window of steps slower than 1 thread did
   * in the probe. Beside a busy process the worker, woken from sleep, gets a core at once for a
   * few milliseconds (the scheduler's credit to sleepers), so a probe's short blocks can see 2
   * threads faster than they then run.
   */
  private fallBack(measured: number): void {
    this.chosen = 1;
    [this.expected, this.other] = [this.other, measured];
    this.runSteps = Math.min(this.runSteps * 2, MOST_RUN_STEPS);
    this.phase = { kind: 'run', left: this.runSteps, window: 0, steps: 0 };
  }

  /**
   * Probes again after the run's steps, or early when a window of steps is slower on average than
   * the probe measured; goes to 1 thread when all threads ran slower than 1 thread was measured.
   */
  private recordRun(r: Extract<Phase, { kind: 'run' }>, perSample: number): void {
    r.window += perSample;
    if (++r.steps >= WINDOW_STEPS) {
      const mean = r.window / r.steps;
      [r.window, r.steps] = [0, 0];
      if (this.windowEnds(mean)) return;
    }
    if (--r.left <= 0) this.probe();
  }

  /** At the end of a window of steps with `mean` seconds per sample: whether it changed the phase. */
  private windowEnds(mean: number): boolean {
    const busy = this.busy();
    if (this.heldByLoad) {
      if (busy === false) {
        this.heldByLoad = false;
        this.probe();
      }
      return busy === false;
    }
    if (this.chosen > 1 && busy) this.hold();
    else if (this.chosen > 1 && mean > this.other) this.fallBack(mean);
    else if (mean > this.expected * SLOWER) this.probe();
    else return false;
    return true;
  }

  /** What the run used, e.g. `2 threads for 1,510 steps, 1 thread for 209` and, when load kept it on 1 thread, how much. */
  describe(): string {
    const parts = [...this.steps].sort((a, b) => b[0] - a[0]).map(([t, n], i) => `${t} thread${t === 1 ? '' : 's'} for ${n.toLocaleString('en-US')}${i ? '' : ' steps'}`);
    const load = Number.isFinite(this.fewestFree) ? ` (other processes left as few as ${this.fewestFree.toFixed(1)} cores free)` : '';
    return parts.join(', ') + load;
  }
}

function meanOf(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Infinity;
}
