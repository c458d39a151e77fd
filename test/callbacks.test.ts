// Keras callback semantics, with expected values worked by hand from the Keras 3 sources
// (keras/src/callbacks/*.py) and Python's formatting rules.
import type { ResolvedSpec } from '../src/core/resolve';
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  CallbackList,
  callbackList,
  CSVLogger,
  CsvFormatter,
  EarlyStopping,
  EarlyStoppingOptions,
  FilepathFormatError,
  ModelCheckpoint,
  ModelCheckpointOptions,
  ReduceLROnPlateau,
  ReduceLROnPlateauOptions,
  formatFilepath,
  metricDirection,
  pyFormatNumber,
  pyRepr,
  resolveDirection,
  TerminateOnNaN,
} from '../src/trainer/callbacks';
import { resolveRef } from '../src/core/resolve';
import type { Callback, CallbackEvent, Logs, TrainingControl } from '../src/trainer/callbacks';
import { kerasLogLines } from '../src/shared/kerasLog';

/** The messages the panel draws as markers (the others are for the log only). */
const MARKER_TYPES = new Set(['earlyStopping', 'checkpoint', 'learningRate']);

/** A training run whose "weights" are a number: 100 + the epoch that produced them. */
class FakeControl implements TrainingControl {
  stopTraining = false;
  weights = 0;
  lr: number;
  /** Everything the callback reported, in order. */
  messages: CallbackEvent[] = [];
  saves: Array<[string, boolean]> = [];

  constructor(lr = 0.001) {
    this.lr = lr;
  }
  snapshotWeights(): unknown {
    return this.weights;
  }
  restoreWeights(snapshot: unknown): void {
    this.weights = snapshot as number;
  }
  getLearningRate(): number {
    return this.lr;
  }
  setLearningRate(lr: number): void {
    this.lr = lr;
  }
  async save(p: string, weightsOnly: boolean): Promise<void> {
    this.saves.push([p, weightsOnly]);
  }
  event(e: CallbackEvent): void {
    this.messages.push(e);
  }
  /** The Keras-style lines the host prints for the messages. */
  get lines(): string[] {
    return this.messages.flatMap((m) => kerasLogLines(m).map((l) => l.text));
  }
  get events(): CallbackEvent[] {
    return this.messages.filter((m) => MARKER_TYPES.has(m.type));
  }
}

/** Runs epochs like the loop: weights change every epoch, stop after the epoch that asked for it. Returns epochs run. */
async function run(cb: Callback, epochLogs: Logs[], ctl: FakeControl): Promise<number> {
  await cb.onTrainBegin?.(ctl);
  let ran = 0;
  for (let epoch = 0; epoch < epochLogs.length; epoch++) {
    ctl.weights = 100 + epoch;
    await cb.onEpochEnd?.(epoch, epochLogs[epoch], ctl);
    ran++;
    if (ctl.stopTraining) break;
  }
  await cb.onTrainEnd?.(ctl);
  return ran;
}

/** A callback's options with Keras's defaults, as the trainer gets them from the registry. */
function kerasDefaults<T>(type: string): T {
  const { type: _, ...options } = resolveRef('callback', type);
  return options as T;
}

const vl = (...values: number[]): Logs[] => values.map((v) => ({ loss: v, val_loss: v }));

function es(o: Partial<EarlyStoppingOptions>): EarlyStopping {
  return new EarlyStopping({ ...kerasDefaults<EarlyStoppingOptions>('EarlyStopping'), verbose: 1, ...o });
}

describe('EarlyStopping (Keras 3)', () => {
  it('min_delta counts against val_loss: patience 2 stops at epoch 4', async () => {
    // best 0.5 -> 0.40 (0.41 < 0.5); 0.395 and 0.392 are not 0.01 below 0.40: wait 1, 2 -> stop at index 3.
    const ctl = new FakeControl();
    const ran = await run(es({ min_delta: 0.01, patience: 2 }), vl(0.5, 0.4, 0.395, 0.392, 0.38, 0.3), ctl);
    assert.strictEqual(ran, 4);
    assert.deepStrictEqual(ctl.lines, ['Epoch 4: early stopping']);
    assert.deepStrictEqual(ctl.events, [{ type: 'earlyStopping', epoch: 4, bestEpoch: 2, restored: false, verbose: 1 }]);
  });

  it('takes the absolute value of a negative min_delta', async () => {
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ min_delta: -0.01, patience: 2 }), vl(0.5, 0.4, 0.395, 0.392, 0.38), ctl), 4);
  });

  it('without min_delta the same sequence keeps improving', async () => {
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ patience: 2 }), vl(0.5, 0.4, 0.395, 0.392, 0.38, 0.3), ctl), 6);
    assert.deepStrictEqual(ctl.lines, []);
    assert.deepStrictEqual(ctl.events, []);
  });

  it('restore_best_weights puts back the best epoch snapshot at train end', async () => {
    // 0.9, 0.7 improve; 0.8 does not, wait 1 >= patience 1 at index 2.
    const ctl = new FakeControl();
    const ran = await run(es({ patience: 1, restore_best_weights: true }), vl(0.9, 0.7, 0.8, 0.75), ctl);
    assert.strictEqual(ran, 3);
    assert.strictEqual(ctl.weights, 101);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 3: early stopping',
      'Restoring model weights from the end of the best epoch: 2.',
    ]);
    assert.deepStrictEqual(ctl.events, [{ type: 'earlyStopping', epoch: 3, bestEpoch: 2, restored: true, verbose: 1 }]);
  });

  it('restores the best weights even when training runs to the end', async () => {
    const ctl = new FakeControl();
    const ran = await run(es({ patience: 5, restore_best_weights: true }), vl(0.9, 0.6, 0.7), ctl);
    assert.strictEqual(ran, 3);
    assert.strictEqual(ctl.weights, 101);
    assert.deepStrictEqual(ctl.lines, ['Restoring model weights from the end of the best epoch: 2.']);
    assert.deepStrictEqual(ctl.events, [{ type: 'earlyStopping', epoch: null, bestEpoch: 2, restored: true, verbose: 1 }]);
  });

  it('verbose 0 is silent but still stops and emits the event', async () => {
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ verbose: 0, patience: 1 }), vl(0.5, 0.6, 0.7), ctl), 2);
    assert.deepStrictEqual(ctl.lines, []);
    assert.strictEqual(ctl.events.length, 1);
  });

  it('a baseline never beaten: wait is not reset by improvements, stop at the first non-improving epoch after patience', async () => {
    // idx0: wait 1, best 0.9 (not < 0.5, wait stays); idx1: wait 2, best 0.8 (returns before the stop test);
    // idx2: wait 3, 0.85 no improvement, 3 >= 3 -> stop. Best epoch is index 1.
    const ctl = new FakeControl();
    const cb = es({ patience: 3, baseline: 0.5, restore_best_weights: true });
    assert.strictEqual(await run(cb, vl(0.9, 0.8, 0.85, 0.7, 0.6), ctl), 3);
    assert.strictEqual(ctl.weights, 101);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 3: early stopping',
      'Restoring model weights from the end of the best epoch: 2.',
    ]);
  });

  it('a baseline beaten resets wait', async () => {
    // idx0 0.6 improves but not below 0.5: wait 1; idx1 0.45 beats both: wait 0; idx2 0.46: wait 1 -> stop.
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ patience: 1, baseline: 0.5 }), vl(0.6, 0.45, 0.46, 0.3), ctl), 3);
    assert.deepStrictEqual(ctl.lines, ['Epoch 3: early stopping']);
  });

  it('start_from_epoch ignores the warm-up epochs', async () => {
    // Indices 0, 1 skipped; idx2 0.8 first best; idx3 0.85: wait 1 >= 0 -> stop at epoch 4.
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ start_from_epoch: 2 }), vl(0.5, 0.9, 0.8, 0.85, 0.1), ctl), 4);
    assert.deepStrictEqual(ctl.lines, ['Epoch 4: early stopping']);
    // Without warm-up, patience 0 stops at the first worse epoch.
    const ctl2 = new FakeControl();
    assert.strictEqual(await run(es({}), vl(0.5, 0.9, 0.8, 0.85, 0.1), ctl2), 2);
    assert.deepStrictEqual(ctl2.lines, ['Epoch 2: early stopping']);
  });

  it('mode auto maximises val_accuracy', async () => {
    const logs = [0.8, 0.85, 0.84, 0.9].map((a) => ({ val_accuracy: a }));
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({ monitor: 'val_accuracy', patience: 1 }), logs, ctl), 3);
    assert.deepStrictEqual(ctl.events, [{ type: 'earlyStopping', epoch: 3, bestEpoch: 2, restored: false, verbose: 1 }]);
    // In min mode the rise at index 1 is already no improvement.
    const ctl2 = new FakeControl();
    assert.strictEqual(await run(es({ monitor: 'val_accuracy', patience: 1, mode: 'min' }), logs, ctl2), 2);
  });

  it('compares in float32 like keras.ops.less', async () => {
    // 0.5 - 1e-9 is 0.5 in float32: not an improvement, patience 0 stops at index 1.
    const ctl = new FakeControl();
    assert.strictEqual(await run(es({}), vl(0.5, 0.5 - 1e-9, 0.1), ctl), 2);
  });

  it('warns (once) with Keras wording when the monitor is missing, and never stops', async () => {
    const ctl = new FakeControl();
    const logs = [{ loss: 0.5, accuracy: 0.8 }, { loss: 0.6, accuracy: 0.7 }, { loss: 0.7, accuracy: 0.6 }];
    assert.strictEqual(await run(es({}), logs, ctl), 3);
    assert.deepStrictEqual(ctl.lines, [
      'Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: accuracy,loss',
    ]);
  });

  it('falls back to auto for an unknown mode with Keras warning', async () => {
    const ctl = new FakeControl();
    await run(es({ mode: 'bogus' as 'auto' }), vl(0.5), ctl);
    assert.deepStrictEqual(ctl.lines, ["EarlyStopping mode 'bogus' is unknown, fallback to auto mode."]);
  });

  it('can be reused: train begin resets the state', async () => {
    const cb = es({ patience: 1 });
    await run(cb, vl(0.5, 0.6), new FakeControl());
    const ctl = new FakeControl();
    assert.strictEqual(await run(cb, vl(0.9, 0.8, 0.85), ctl), 3);
    assert.deepStrictEqual(ctl.lines, ['Epoch 3: early stopping']);
  });
});

describe('monitor direction (Keras 3 auto mode)', () => {
  it('uses the compiled metric direction of the name without val_', () => {
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_loss', 'auto'), 'min');
    assert.strictEqual(resolveDirection('EarlyStopping', 'loss', 'auto'), 'min');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_accuracy', 'auto'), 'max');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_acc', 'auto'), 'max');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_auc', 'auto'), 'max');
    assert.strictEqual(resolveDirection('EarlyStopping', 'precision', 'auto'), 'max');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_sparse_categorical_accuracy', 'auto'), 'max');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_mse', 'auto'), 'min');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_categorical_crossentropy', 'auto'), 'min');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_kl_divergence', 'auto'), 'min');
    assert.strictEqual(resolveDirection('EarlyStopping', 'val_loss', 'max'), 'max');
    assert.strictEqual(metricDirection('f1_score'), 'max');
    assert.strictEqual(metricDirection('Mse'), undefined); // aliases are case-sensitive in Keras
  });

  it('throws Keras ValueError text when auto cannot decide (no substring rule)', () => {
    for (const monitor of ['val_true_positives', 'val_my_accuracy', 'learning_rate']) {
      assert.throws(
        () => resolveDirection('ModelCheckpoint', monitor, 'auto'),
        (e: Error) =>
          e.message ===
          `ModelCheckpoint callback received monitor=${monitor}, but Keras isn't able to automatically determine ` +
            "whether that metric should be maximized or minimized. Pass `mode='max'` in order to monitor based " +
            "on the highest metric value, or pass `mode='min'` in order to use the lowest value.",
      );
    }
    assert.throws(() => es({ monitor: 'val_true_positives' }), /isn't able to automatically determine/);
    assert.doesNotThrow(() => es({ monitor: 'val_true_positives', mode: 'max' }));
  });
});

function mc(o: Partial<ModelCheckpointOptions>): ModelCheckpoint {
  return new ModelCheckpoint({ ...kerasDefaults<ModelCheckpointOptions>('ModelCheckpoint'), filepath: 'ckpt', verbose: 1, ...o });
}

describe('ModelCheckpoint (Keras 3)', () => {
  it('save_best_only: saved paths and messages', async () => {
    const ctl = new FakeControl();
    await run(mc({ filepath: 'ckpt-{epoch:02d}-{val_loss:.2f}', save_best_only: true }), vl(0.5, 0.3, 0.4, 0.25), ctl);
    assert.deepStrictEqual(ctl.saves, [
      ['ckpt-01-0.50', false],
      ['ckpt-02-0.30', false],
      ['ckpt-04-0.25', false],
    ]);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 1: val_loss improved from None to 0.50000, saving model to ckpt-01-0.50',
      'Epoch 1: finished saving model to ckpt-01-0.50',
      'Epoch 2: val_loss improved from 0.50000 to 0.30000, saving model to ckpt-02-0.30',
      'Epoch 2: finished saving model to ckpt-02-0.30',
      'Epoch 3: val_loss did not improve from 0.30000',
      'Epoch 4: val_loss improved from 0.30000 to 0.25000, saving model to ckpt-04-0.25',
      'Epoch 4: finished saving model to ckpt-04-0.25',
    ]);
    assert.deepStrictEqual(ctl.events, [
      { type: 'checkpoint', epoch: 1, path: 'ckpt-01-0.50', monitor: 'val_loss', saveBestOnly: true, previous: null, current: 0.5, verbose: 1 },
      { type: 'checkpoint', epoch: 2, path: 'ckpt-02-0.30', monitor: 'val_loss', saveBestOnly: true, previous: 0.5, current: 0.3, verbose: 1 },
      { type: 'checkpoint', epoch: 4, path: 'ckpt-04-0.25', monitor: 'val_loss', saveBestOnly: true, previous: 0.3, current: 0.25, verbose: 1 },
    ]);
  });

  it('saves every epoch without save_best_only, weights only when asked', async () => {
    const ctl = new FakeControl();
    await run(mc({ filepath: 'w-{epoch}.{loss:.3e}', save_weights_only: true }), vl(0.00123, 12.5), ctl);
    assert.deepStrictEqual(ctl.saves, [
      ['w-1.1.230e-03', true],
      ['w-2.1.250e+01', true],
    ]);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 1: saving model to w-1.1.230e-03',
      'Epoch 1: finished saving model to w-1.1.230e-03',
      'Epoch 2: saving model to w-2.1.250e+01',
      'Epoch 2: finished saving model to w-2.1.250e+01',
    ]);
  });

  it('max mode for val_accuracy with initial_value_threshold', async () => {
    const ctl = new FakeControl();
    const logs = [0.85, 0.92, 0.91].map((a) => ({ val_accuracy: a }));
    await run(mc({ filepath: 'best', monitor: 'val_accuracy', save_best_only: true, initial_value_threshold: 0.9 }), logs, ctl);
    assert.deepStrictEqual(ctl.saves, [['best', false]]);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 1: val_accuracy did not improve from 0.90000',
      'Epoch 2: val_accuracy improved from 0.90000 to 0.92000, saving model to best',
      'Epoch 2: finished saving model to best',
      'Epoch 3: val_accuracy did not improve from 0.92000',
    ]);
    assert.deepStrictEqual(ctl.events, [
      { type: 'checkpoint', epoch: 2, path: 'best', monitor: 'val_accuracy', saveBestOnly: true, previous: 0.9, current: 0.92, verbose: 1 },
    ]);
  });

  it('the first value always saves, whatever its direction (Keras 3.11+ best starts at None)', async () => {
    const ctl = new FakeControl();
    await run(mc({ monitor: 'val_accuracy', save_best_only: true }), [{ val_accuracy: 0.5 }, { val_accuracy: 0.25 }], ctl);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 1: val_accuracy improved from None to 0.50000, saving model to ckpt',
      'Epoch 1: finished saving model to ckpt',
      'Epoch 2: val_accuracy did not improve from 0.50000',
    ]);
  });

  it('a missing template key is an error naming it and the available keys, even when nothing is saved', async () => {
    const cb = mc({ filepath: 'ckpt-{epoch:02d}-{val_los:.2f}', save_best_only: true });
    const ctl = new FakeControl();
    await assert.rejects(
      async () => cb.onEpochEnd(0, { val_loss: 0.5, loss: 0.4 }, ctl),
      (e: FilepathFormatError) => {
        assert.ok(e instanceof FilepathFormatError);
        assert.strictEqual(e.key, 'val_los');
        assert.deepStrictEqual(e.available, ['epoch', 'loss', 'val_loss']);
        assert.strictEqual(
          e.message,
          'Failed to format this callback filepath: "ckpt-{epoch:02d}-{val_los:.2f}". ' +
            "Reason: 'val_los' is not in the epoch logs; available keys: epoch, loss, val_loss",
        );
        return true;
      },
    );
    assert.deepStrictEqual(ctl.saves, []);
  });

  it('saves with a warning when save_best_only cannot find the monitor', async () => {
    const ctl = new FakeControl();
    await run(mc({ save_best_only: true, verbose: 0 }), [{ loss: 0.5 }, { loss: 0.4 }], ctl);
    assert.deepStrictEqual(ctl.saves, [
      ['ckpt', false],
      ['ckpt', false],
    ]);
    assert.deepStrictEqual(ctl.lines, ['Can save best model only with val_loss available.']);
    assert.deepStrictEqual(ctl.events[0], {
      type: 'checkpoint',
      epoch: 1,
      path: 'ckpt',
      monitor: 'val_loss',
      saveBestOnly: true,
      previous: null,
      current: null,
      verbose: 0,
    });
  });

  it('rejects integer and unknown save_freq', () => {
    assert.throws(() => mc({ save_freq: 100 }), /save_freq=100 .*not supported yet/);
    assert.throws(
      () => mc({ save_freq: 'batch' as 'epoch' }),
      /^Error: Unrecognized save_freq: batch\. Expected save_freq are 'epoch' or integer values$/,
    );
  });

  it('rejects a malformed template at construction', () => {
    assert.throws(() => mc({ filepath: 'ckpt-{epoch' }), FilepathFormatError);
  });
});

describe('filepath templates (Python str.format)', () => {
  const logs: Logs = { loss: 0.000123456, val_loss: 0.23456, val_accuracy: 0.91234567, acc: 2.5 };
  const cases: Array<[string, string]> = [
    ['ckpt-{epoch:02d}-{val_loss:.2f}', 'ckpt-03-0.23'],
    ['{epoch}', '3'],
    ['{val_accuracy:.4f}', '0.9123'],
    ['{loss:.3e}', '1.235e-04'],
    ['{val_loss:e}', '2.345600e-01'],
    ['{epoch:>4}|{epoch:<4}|{epoch:*^7}', '   3|3   |***3***'],
    ['{epoch:03}', '003'],
    ['{epoch:.2f}', '3.00'],
    ['{{epoch}}-{epoch}', '{epoch}-3'],
    ['a}}b{{c', 'a}b{c'],
    ['{loss}', '0.000123456'],
    ['{loss:g}', '0.000123456'],
    ['{val_loss:.3g}', '0.235'],
    ['{acc:.0f}', '2'], // half to even, JS toFixed would give 3
    ['{val_loss:.1%}', '23.5%'],
    ['{val_loss:+.1f}', '+0.2'],
    ['{val_loss!r}', '0.23456'],
  ];
  for (const [template, expected] of cases) {
    it(`${template} -> ${expected}`, () => assert.strictEqual(formatFilepath(template, 3, logs), expected));
  }

  it('formats special and signed values like Python', () => {
    assert.strictEqual(formatFilepath('{x:.2f}', 1, { x: Infinity }), 'inf');
    assert.strictEqual(formatFilepath('{x:.2f}', 1, { x: NaN }), 'nan');
    assert.strictEqual(formatFilepath('{x:08.3f}', 1, { x: -1.5 }), '-001.500');
    assert.strictEqual(formatFilepath('{x}', 1, { x: 1e-5 }), '1e-05');
    assert.strictEqual(formatFilepath('{x}', 1, { x: 2 }), '2.0');
    assert.strictEqual(formatFilepath('{x:.2f}', 1, { x: 0.375 }), '0.38');
    assert.strictEqual(formatFilepath('{x:.2f}', 1, { x: 0.125 }), '0.12');
    assert.strictEqual(formatFilepath('{x:g}', 1, { x: 123456789 }), '1.23457e+08');
    assert.strictEqual(formatFilepath('{x:.3g}', 1, { x: 9.9999 }), '10');
  });

  it('reports Python errors', () => {
    const bad: Array<[string, RegExp]> = [
      ['{epoch:.2}', /Precision not allowed in integer format specifier/],
      ['{loss:d}', /Unknown format code 'd' for object of type 'float'/],
      ['{}', /positional/],
      ['{0}', /positional/],
      ['a}b', /Single '}' encountered in format string/],
      ['{epoch', /expected '}' before end of string/],
      ['{loss.real}', /not supported/],
      ['{loss:.{p}f}', /nested/],
      ['{loss!x}', /Unknown conversion specifier x/],
      ['{loss:,.2f}', /not supported/],
    ];
    for (const [template, re] of bad) {
      assert.throws(() => formatFilepath(template, 1, { loss: 0.5 }), (e: Error) => e instanceof FilepathFormatError && re.test(e.message), template);
    }
  });
});

describe('Python float text', () => {
  it('pyRepr matches repr(float)', () => {
    const cases: Array<[number, string]> = [
      [0.1234567890123, '0.1234567890123'],
      [1e-5, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [0.0001, '0.0001'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [123456789012345678, '1.2345678901234568e+17'],
      [1, '1.0'],
      [-0, '-0.0'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
      [NaN, 'nan'],
      [Math.fround(0.001), '0.0010000000474974513'],
    ];
    for (const [x, s] of cases) assert.strictEqual(pyRepr(x), s, String(x));
  });

  it('.5f and .4e as Keras prints them', () => {
    assert.strictEqual(pyFormatNumber(Infinity, '.5f', false), 'inf');
    assert.strictEqual(pyFormatNumber(-Infinity, '.5f', false), '-inf');
    assert.strictEqual(pyFormatNumber(0.123456, '.5f', false), '0.12346');
    assert.strictEqual(pyFormatNumber(0.03125, '.4f', false), '0.0312');
    assert.strictEqual(pyFormatNumber(0.00012, '.4e', false), '1.2000e-04');
  });
});

function rlr(o: Partial<ReduceLROnPlateauOptions>): ReduceLROnPlateau {
  return new ReduceLROnPlateau({ ...kerasDefaults<ReduceLROnPlateauOptions>('ReduceLROnPlateau'), verbose: 1, ...o });
}

describe('ReduceLROnPlateau (Keras 3)', () => {
  it('cooldown and min_lr over a flat val_loss', async () => {
    // patience 1, cooldown 2: reduce at idx 1, cooldown idx 2, reduce idx 3, cooldown idx 4, reduce idx 5
    // to max(0.0625, 0.1) = 0.1; then float32(0.1) is not > float32(min_lr): no more reductions.
    const ctl = new FakeControl(0.5);
    const logs = vl(...Array<number>(9).fill(1.0));
    await run(rlr({ factor: 0.5, patience: 1, cooldown: 2, min_lr: 0.1, min_delta: 0 }), logs, ctl);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 2: ReduceLROnPlateau reducing learning rate to 0.25.',
      'Epoch 4: ReduceLROnPlateau reducing learning rate to 0.125.',
      'Epoch 6: ReduceLROnPlateau reducing learning rate to 0.1.',
    ]);
    assert.deepStrictEqual(ctl.events, [
      { type: 'learningRate', epoch: 2, from: 0.5, to: 0.25, verbose: 1 },
      { type: 'learningRate', epoch: 4, from: 0.25, to: 0.125, verbose: 1 },
      { type: 'learningRate', epoch: 6, from: 0.125, to: 0.1, verbose: 1 },
    ]);
    const f01 = Math.fround(0.1);
    assert.deepStrictEqual(
      logs.map((l) => l.learning_rate),
      [0.5, 0.5, 0.25, 0.25, 0.125, 0.125, f01, f01, f01],
    );
    assert.strictEqual(ctl.lr, 0.1);
  });

  it('cooldown 1 does not delay the next reduction with patience 1', async () => {
    // The counter drops to 0 at the start of the next epoch, which may then reduce again.
    const ctl = new FakeControl(0.5);
    await run(rlr({ factor: 0.5, patience: 1, cooldown: 1, min_delta: 0 }), vl(1, 1, 1), ctl);
    assert.deepStrictEqual(ctl.lines, [
      'Epoch 2: ReduceLROnPlateau reducing learning rate to 0.25.',
      'Epoch 3: ReduceLROnPlateau reducing learning rate to 0.125.',
    ]);
  });

  it('min_delta 1e-4 and a float32 learning rate, printed as Python repr', async () => {
    // 0.49995 is not 1e-4 below 0.5 (wait 1); 0.4 is (wait 0); 0.39995, 0.39999: wait 1, 2 -> reduce at epoch 5.
    // lr: float32(0.001) = 0.0010000000474974513, * 0.1 = 0.00010000000474974513.
    const ctl = new FakeControl(0.001);
    const logs = vl(0.5, 0.49995, 0.4, 0.39995, 0.39999);
    await run(rlr({ patience: 2 }), logs, ctl);
    assert.deepStrictEqual(ctl.lines, ['Epoch 5: ReduceLROnPlateau reducing learning rate to 0.00010000000474974513.']);
    assert.strictEqual(logs[0].learning_rate, 0.0010000000474974513);
  });

  it('auto mode maximises val_accuracy', async () => {
    const ctl = new FakeControl(0.5);
    const logs = [0.5, 0.6, 0.7, 0.65, 0.6].map((a) => ({ val_accuracy: a }));
    await run(rlr({ monitor: 'val_accuracy', factor: 0.5, patience: 2 }), logs, ctl);
    assert.deepStrictEqual(ctl.lines, ['Epoch 5: ReduceLROnPlateau reducing learning rate to 0.25.']);
  });

  it('rejects factor >= 1 with the Keras message', () => {
    assert.throws(() => rlr({ factor: 1.5 }), /^Error: ReduceLROnPlateau does not support a factor >= 1\.0\. Received factor=1\.5$/);
    assert.throws(() => rlr({ factor: 1 }), /Received factor=1$/);
  });

  it('warns with Keras wording when the monitor is missing, learning_rate included', async () => {
    const ctl = new FakeControl(0.5);
    await run(rlr({}), [{ loss: 1 }, { loss: 1 }], ctl);
    assert.deepStrictEqual(ctl.lines, [
      'Learning rate reduction is conditioned on metric `val_loss` which is not available. Available metrics are: loss,learning_rate.',
    ]);
  });
});

describe('CSVLogger (Keras 3)', () => {
  it('formats two epochs with sorted keys, Python float text and NA', () => {
    const f = new CsvFormatter(',');
    assert.deepStrictEqual(
      f.formatEpoch(0, { loss: 0.1234567890123, accuracy: 0.5, val_loss: 0.25, val_accuracy: 0.75 }, true),
      ['epoch,accuracy,loss,val_accuracy,val_loss', '0,0.5,0.1234567890123,0.75,0.25'],
    );
    assert.deepStrictEqual(f.formatEpoch(1, { loss: 1e-5, accuracy: 1, val_loss: Infinity }, true), [
      '1,1.0,1e-05,NA,inf',
    ]);
    assert.deepStrictEqual(f.formatEpoch(2, { loss: NaN, accuracy: 0.5, val_loss: 1, val_accuracy: 1, extra: 3 }, true), [
      '2,0.5,nan,1.0,1.0',
    ]);
  });

  it('adds val_ columns when the first epoch has no validation keys (Keras 3)', () => {
    const f = new CsvFormatter(',');
    assert.deepStrictEqual(f.formatEpoch(0, { loss: 0.5, accuracy: 0.25 }, true), [
      'epoch,accuracy,loss,val_accuracy,val_loss',
      '0,0.25,0.5,NA,NA',
    ]);
  });

  it('uses the separator and quotes like the csv module', () => {
    const f = new CsvFormatter(';');
    assert.deepStrictEqual(f.formatEpoch(0, { 'a;b': 0.5, val_loss: 2 }, true), ['epoch;"a;b";val_loss', '0;0.5;2.0']);
    const dot = new CsvFormatter('.');
    assert.deepStrictEqual(dot.formatEpoch(0, { loss: 0.5, val_loss: 2 }, true), ['epoch.loss.val_loss', '0."0.5"."2.0"']);
    assert.throws(() => new CsvFormatter(',,'), /1-character string/);
  });

  it('writes CRLF rows flushed every epoch, truncates, and appends without a second header', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csvlogger-'));
    const file = path.join(dir, 'training.log');
    try {
      fs.writeFileSync(file, 'old content\n');
      const ctl = new FakeControl();
      const logger = new CSVLogger({ filename: file, separator: ',', append: false });
      logger.onTrainBegin();
      assert.strictEqual(fs.readFileSync(file, 'utf8'), '');
      logger.onEpochEnd(0, { loss: 0.5, val_loss: 0.75 });
      assert.strictEqual(fs.readFileSync(file, 'utf8'), 'epoch,loss,val_loss\r\n0,0.5,0.75\r\n');
      logger.onEpochEnd(1, { loss: 0.25 });
      assert.strictEqual(fs.readFileSync(file, 'utf8'), 'epoch,loss,val_loss\r\n0,0.5,0.75\r\n1,0.25,NA\r\n');

      await run(new CSVLogger({ filename: file, separator: ',', append: true }), [{ loss: 0.125, val_loss: 1 }], ctl);
      assert.strictEqual(
        fs.readFileSync(file, 'utf8'),
        'epoch,loss,val_loss\r\n0,0.5,0.75\r\n1,0.25,NA\r\n0,0.125,1.0\r\n',
      );

      const fresh = path.join(dir, 'fresh.log');
      await run(new CSVLogger({ filename: fresh, separator: ',', append: true }), [{ loss: 2, val_loss: 3 }], ctl);
      assert.strictEqual(fs.readFileSync(fresh, 'utf8'), 'epoch,loss,val_loss\r\n0,2.0,3.0\r\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sees learning_rate added by ReduceLROnPlateau earlier in the list', async () => {
    const ctl = new FakeControl(0.5);
    const f = new CsvFormatter(',');
    const logs: Logs = { loss: 1, val_loss: 1 };
    rlr({}).onEpochEnd(0, logs, ctl);
    assert.deepStrictEqual(f.formatEpoch(0, logs, true), ['epoch,learning_rate,loss,val_loss', '0,0.5,1.0,1.0']);
  });
});

describe('CallbackList and TerminateOnNaN', () => {
  /** A callback that records each hook it gets. */
  const recorder = (name: string, calls: string[]): Callback => ({
    onTrainBegin: () => { calls.push(`${name} trainBegin`); },
    onEpochBegin: (e) => { calls.push(`${name} epochBegin ${e}`); },
    onBatchEnd: (b, logs) => { calls.push(`${name} batchEnd ${b} ${logs.loss}`); },
    onEpochEnd: (e, logs) => { calls.push(`${name} epochEnd ${e} ${Object.keys(logs).join(',')}`); },
    onTrainEnd: () => { calls.push(`${name} trainEnd`); },
  });

  it('calls every hook of every callback in list order, awaiting each, with the shared logs', async () => {
    const calls: string[] = [];
    const slow: Callback = {
      onBatchEnd: async (b) => { await new Promise((r) => setTimeout(r, 5)); calls.push(`slow batchEnd ${b}`); },
      onEpochEnd: (_e, logs) => { logs.learning_rate = 0.5; },
    };
    const list = new CallbackList([recorder('a', calls), slow, recorder('b', calls)], new FakeControl());
    await list.onTrainBegin();
    await list.onEpochBegin(0);
    await list.onBatchEnd(0, { loss: 2 });
    await list.onEpochEnd(0, { loss: 1 });
    await list.onTrainEnd();
    assert.deepStrictEqual(calls, [
      'a trainBegin', 'b trainBegin', 'a epochBegin 0', 'b epochBegin 0',
      'a batchEnd 0 2', 'slow batchEnd 0', 'b batchEnd 0 2',
      'a epochEnd 0 loss', 'b epochEnd 0 loss,learning_rate', 'a trainEnd', 'b trainEnd',
    ]);
    assert.strictEqual(new CallbackList([recorder('a', [])], new FakeControl()).onBatchEnd(0, { loss: 1 }), undefined, 'synchronous hooks: nothing to await');
  });

  it('TerminateOnNaN stops at the first batch whose running loss is NaN or infinite, and says where', () => {
    const ctl = new FakeControl();
    const seen: Array<[number, number]> = [];
    const t = new TerminateOnNaN((epoch, batch) => seen.push([epoch, batch]));
    t.onEpochBegin(2);
    t.onBatchEnd(0, { loss: 1.5 }, ctl);
    t.onBatchEnd(1, {}, ctl);
    assert.strictEqual(ctl.stopTraining, false);
    t.onBatchEnd(2, { loss: Infinity }, ctl);
    assert.strictEqual(ctl.stopTraining, true);
    t.onBatchEnd(3, { loss: NaN }, ctl);
    assert.deepStrictEqual(seen, [[2, 2], [2, 3]]);
  });

  it('builds the spec callbacks in order, always ending with TerminateOnNaN, and refuses unknown ones', () => {
    // No TensorBoard here, so no callback reads the spec.
    const options = { spec: {} as ResolvedSpec, inside: (p: string) => path.join(os.tmpdir(), p), onInvalidLoss: () => undefined };
    const list = callbackList([
      { type: 'TerminateOnNaN' },
      { type: 'EarlyStopping', monitor: 'val_loss', min_delta: 0, patience: 0, verbose: 0, mode: 'auto', baseline: null, restore_best_weights: false, start_from_epoch: 0 },
      { type: 'CSVLogger', filename: 'log.csv', separator: ',', append: false },
    ], new FakeControl(), options);
    assert.deepStrictEqual(list.callbacks.map((c) => c.constructor.name), ['EarlyStopping', 'CSVLogger', 'TerminateOnNaN']);
    assert.throws(() => callbackList([{ type: 'BackupAndRestore' }], new FakeControl(), options), /Callback BackupAndRestore is not supported by the trainer yet/);
  });
});
