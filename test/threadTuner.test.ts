import * as assert from 'assert';
import { ThreadTuner, type FreeCores } from '../src/trainer/engines/threadTuner';
import { mulberry32 } from './helpers';

/**
 * Runs `steps` steps of 32 samples through a tuner, each taking `cost(threads, step)` seconds
 * (with 5% noise): how many steps ran on each thread count, from `from` on.
 */
function simulate(tuner: ThreadTuner, steps: number, cost: (threads: number, step: number) => number, from = 0): Map<number, number> {
  const rand = mulberry32(7);
  const used = new Map<number, number>();
  for (let s = 0; s < steps; s++) {
    const t = tuner.threads;
    if (s >= from) used.set(t, (used.get(t) ?? 0) + 1);
    tuner.record(cost(t, s) * (0.95 + 0.1 * rand()), 32);
  }
  return used;
}

const share = (used: Map<number, number>, threads: number): number => (used.get(threads) ?? 0) / [...used.values()].reduce((a, b) => a + b, 0);

describe('the kernel thread tuner', () => {
  it('keeps 2 threads on an idle machine where they are faster', () => {
    const used = simulate(new ThreadTuner(2), 3000, (t) => (t === 2 ? 0.0012 : 0.002));
    assert.ok(share(used, 2) > 0.95, `2 threads for ${share(used, 2)} of the steps`);
  });

  it('drops to 1 thread when another process makes 2 threads slower, and stays there', () => {
    const tuner = new ThreadTuner(2);
    const used = simulate(tuner, 3000, (t) => (t === 2 ? 0.006 : 0.0021));
    assert.ok(share(used, 1) > 0.95, `1 thread for ${share(used, 1)} of the steps`);
    assert.match(tuner.describe(), /^1 thread for [\d,]+ steps, 2 threads for \d+$|^2 threads for \d+ steps, 1 thread for [\d,]+$/);
  });

  it('spends few steps finding out that 2 threads are much slower: a probe stops early', () => {
    // One 55,000-image epoch at batch 32, 2 threads 4x slower than 1: 4 warm-up steps, then 3 per probe.
    const used = simulate(new ThreadTuner(2), 1719, (t) => (t === 2 ? 0.008 : 0.002));
    assert.ok((used.get(2) ?? 0) <= 16, `${used.get(2)} steps on 2 threads`);
  });

  it('spends few steps finding out that 1 thread is much slower (a convnet on an idle machine)', () => {
    // One epoch at batch 128: 430 steps, 1 thread 1.8x slower than 2. Two probes, each 2 blocks of 2 steps on 1 thread.
    const used = simulate(new ThreadTuner(2), 430, (t) => (t === 2 ? 0.06 : 0.108));
    assert.ok((used.get(1) ?? 0) <= 8, `${used.get(1)} steps on 1 thread`);
  });

  it('counts the steps that waited on a descheduled worker: 2 threads fast half the time and stalled the other half lose', () => {
    const used = simulate(new ThreadTuner(2), 3000, (t, s) => (t === 2 ? (s % 3 ? 0.0011 : 0.008) : 0.002));
    assert.ok(share(used, 1) > 0.9, `1 thread for ${share(used, 1)} of the steps`);
  });

  it('notices load that starts mid-run within a few dozen steps', () => {
    // Idle for 1,000 steps, then a busy process: 2 threads become 3x slower than 1.
    const cost = (t: number, s: number): number => (s < 1000 ? (t === 2 ? 0.0012 : 0.002) : t === 2 ? 0.0066 : 0.0022);
    const used = simulate(new ThreadTuner(2), 1200, cost, 1000);
    assert.ok((used.get(2) ?? 0) < 80, `${used.get(2)} of the 200 loaded steps on 2 threads`);
  });

  it('goes back to 2 threads when the load is gone', () => {
    const cost = (t: number, s: number): number => (s < 1000 ? (t === 2 ? 0.0066 : 0.0022) : t === 2 ? 0.0012 : 0.002);
    const used = simulate(new ThreadTuner(2), 5000, cost, 1000);
    assert.ok(share(used, 2) > 0.7, `2 threads for ${share(used, 2)} of the idle steps`);
  });

  it('does not time the step after a switch, which pays for it: 2 threads 20% faster, but 40% slower on their first step, still win', () => {
    let last = 0;
    const used = simulate(new ThreadTuner(2), 3000, (t) => {
      const first = t !== last;
      last = t;
      return t === 2 ? (first ? 0.0028 : 0.0016) : 0.002;
    });
    assert.ok(share(used, 2) > 0.9, `2 threads for ${share(used, 2)} of the steps`);
  });

  it("drops to 1 thread when 2 threads run slower than a probe saw (a woken worker's few fast milliseconds beside a busy process)", () => {
    let [last, since] = [0, 0];
    const used = simulate(new ThreadTuner(2), 3000, (t) => {
      since = t === last ? since + 1 : 0;
      last = t;
      return t === 2 ? (since < 4 ? 0.0012 : 0.0035) : 0.002;
    });
    assert.ok(share(used, 1) > 0.9, `1 thread for ${share(used, 1)} of the steps`);
  });

  it('keeps a core free when 2 threads are no faster than 1', () => {
    const used = simulate(new ThreadTuner(2), 3000, (t) => (t === 2 ? 0.00198 : 0.002));
    assert.ok(share(used, 1) > 0.9, `1 thread for ${share(used, 1)} of the steps`);
  });

  describe('reading the machine\'s load', () => {
    /** Free cores as the meter reads them: `free(step)`, known only every other reading (the meter needs time between readings). */
    const meter = (free: (step: number) => number, at: () => number): FreeCores => {
      let calls = 0;
      return () => (calls++ % 2 ? undefined : free(at()));
    };

    it('never runs a step on 2 threads while another process keeps a core busy from the start', () => {
      let step = 0;
      const tuner = new ThreadTuner(2, meter(() => 1.02, () => step));
      const used = simulate(tuner, 1719, (t) => { step++; return t === 2 ? 0.008 : 0.002; });
      assert.deepStrictEqual([...used], [[1, 1719]]);
      assert.match(tuner.describe(), /^1 thread for 1,719 steps \(other processes left as few as 1\.0 cores free\)$/);
    });

    it('goes to 1 thread within two windows of steps when a busy process starts, without probing', () => {
      let step = 0;
      // 2 threads no slower under load here: only the load reading can move the tuner.
      const tuner = new ThreadTuner(2, meter((s) => (s < 1000 ? 1.95 : 1.0), () => step));
      const used = simulate(tuner, 1200, (t) => { step++; return t === 2 ? 0.0012 : 0.002; }, 1000);
      assert.ok((used.get(2) ?? 0) <= 64, `${used.get(2)} of the 200 loaded steps on 2 threads`);
    });

    it('probes again and goes back to 2 threads when the busy process ends', () => {
      let step = 0;
      const tuner = new ThreadTuner(2, meter((s) => (s < 1000 ? 1.0 : 1.98), () => step));
      const used = simulate(tuner, 2000, (t) => { step++; return step < 1000 ? (t === 2 ? 0.0066 : 0.0022) : t === 2 ? 0.0012 : 0.002; }, 1000);
      assert.ok(share(used, 2) > 0.9, `2 threads for ${share(used, 2)} of the idle steps`);
    });

    it('checks again soon when a probe picks 1 thread while the cores read free (a moment of the host taking a core)', () => {
      let step = 0;
      const tuner = new ThreadTuner(2, meter(() => 1.97, () => step));
      // An idle epoch at batch 128: 2 threads 1.45x faster, except for steps 4 to 40, when the VM's host took a core.
      const used = simulate(tuner, 430, (t) => { step++; return t === 2 && step >= 4 && step < 40 ? 0.09 : t === 2 ? 0.0028 : 0.004; });
      assert.ok(share(used, 2) > 0.75, `2 threads for ${share(used, 2)} of the steps`);
    });

    it('keeps 1 thread where 2 are no faster on an idle machine, probing less and less often', () => {
      let step = 0;
      const tuner = new ThreadTuner(2, meter(() => 1.97, () => step));
      const used = simulate(tuner, 3000, (t) => { step++; return t === 2 ? 0.00198 : 0.002; });
      assert.ok(share(used, 1) > 0.9, `1 thread for ${share(used, 1)} of the steps`);
    });

    it('still measures when other processes take less than half a core: 2 threads that are faster win', () => {
      let step = 0;
      const tuner = new ThreadTuner(2, meter(() => 1.6, () => step));
      const used = simulate(tuner, 3000, (t) => { step++; return t === 2 ? 0.0014 : 0.002; });
      assert.ok(share(used, 2) > 0.95, `2 threads for ${share(used, 2)} of the steps`);
      assert.doesNotMatch(tuner.describe(), /cores free/);
    });
  });

  it('has nothing to choose with one thread', () => {
    const tuner = new ThreadTuner(1);
    const used = simulate(tuner, 100, () => 0.001);
    assert.deepStrictEqual([...used], [[1, 100]]);
    assert.strictEqual(tuner.describe(), '1 thread for 100 steps');
  });
});
