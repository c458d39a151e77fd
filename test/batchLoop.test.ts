// The parts of the training loop around each step, on small hand-checked inputs.
import * as assert from 'assert';
import { BatchThrottle, CancelWatch, DEFAULT_BATCH_INTERVAL_MS, EpochOrder, RunningMeans } from '../src/trainer/batchLoop';

/** The times (ms) among `times` at which `throttle` sends; the last time ends the epoch. */
function sent(throttle: BatchThrottle, times: number[]): number[] {
  return times.filter((t, i) => throttle.due(t, i === times.length - 1));
}

describe('training loop parts', () => {
  it('sends batch messages every 250 ms by default: the first, then one per interval, and the last', () => {
    assert.strictEqual(DEFAULT_BATCH_INTERVAL_MS, 250);
    const t0 = 1_700_000_000_000;
    const times = [0, 100, 249, 250, 400, 499, 500, 501, 600].map((t) => t0 + t);
    assert.deepStrictEqual(sent(new BatchThrottle(), times), [0, 250, 500, 600].map((t) => t0 + t));
    assert.deepStrictEqual(sent(new BatchThrottle(undefined), times), [0, 250, 500, 600].map((t) => t0 + t));
  });

  it('honours another interval, and starts each epoch with a message', () => {
    const throttle = new BatchThrottle(100);
    assert.deepStrictEqual(sent(throttle, [10, 50, 110, 150, 209, 210, 260]), [10, 110, 210, 260]);
    throttle.reset();
    assert.deepStrictEqual(sent(throttle, [270, 280, 290]), [270, 290], 'a new epoch sends its first batch at once');
    assert.deepStrictEqual(sent(new BatchThrottle(0), [5, 5, 6]), [5, 5, 6], '0 sends every batch');
    assert.deepStrictEqual(sent(new BatchThrottle(1e15), [5, 6, 7]), [5, 7], 'a huge interval sends the first and last only');
  });

  it('keeps Keras running means: the mean over the examples so far, weighted by batch size', () => {
    const m = new RunningMeans(['loss', 'accuracy']);
    assert.deepStrictEqual(m.logs, { loss: 0, accuracy: 0 });
    m.add([2, 0.5], 4);
    assert.deepStrictEqual(m.logs, { loss: 2, accuracy: 0.5 });
    m.add([1, 1], 2);
    assert.deepStrictEqual(m.logs, { loss: 10 / 6, accuracy: 4 / 6 });
    assert.strictEqual(m.seen, 6);
    const logs = m.logs;
    m.reset();
    assert.strictEqual(m.logs, logs, 'one object, updated in place');
    assert.deepStrictEqual([m.logs, m.seen], [{ loss: 0, accuracy: 0 }, 0]);
    m.add([NaN, 1], 1);
    assert.ok(Number.isNaN(m.logs.loss));
  });

  it("keeps a ratio metric as Keras's stateful one: its counts summed over the batches, not a mean of batch ratios", () => {
    // precision is key 1; each step's values end with its counts (hits, predicted positives).
    const m = new RunningMeans(['loss', 'precision', 'accuracy'], [1]);
    m.add([1, 1, 0.5, 1, 1], 4);
    m.add([1, 0.25, 0.5, 1, 4], 4);
    assert.deepStrictEqual(m.logs, { loss: 1, precision: 2 / 5, accuracy: 0.5 }, 'the mean of the batch ratios would be 0.625');
    m.reset();
    m.add([1, 0, 1, 0, 0], 2);
    assert.strictEqual(m.logs.precision, 0, 'no predicted positives: 0, not NaN');
  });

  it('orders each epoch: a seeded permutation, the same for the same seed and epoch', () => {
    const a = new EpochOrder(50, true, 7);
    const e0 = Array.from(a.forEpoch(0));
    const e1 = Array.from(a.forEpoch(1));
    assert.deepStrictEqual([...e0].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepStrictEqual(e0, e1);
    assert.deepStrictEqual(Array.from(new EpochOrder(50, true, 7).forEpoch(1)), e1);
    assert.notDeepStrictEqual(Array.from(new EpochOrder(50, true, 8).forEpoch(1)), e1);
    assert.deepStrictEqual(Array.from(new EpochOrder(5, false, 7).forEpoch(3)), [0, 1, 2, 3, 4]);
  });

  it('remembers a cancel once the host asked', () => {
    let asks = 0;
    const watch = new CancelWatch(() => ++asks === 2);
    assert.deepStrictEqual([watch.check(), watch.check(), watch.check()], [false, true, true]);
    assert.strictEqual(watch.requested, true);
    assert.strictEqual(asks, 2);
  });
});
