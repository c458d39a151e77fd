// Keras 2 progress-bar lines (tf-keras Progbar), expected values worked by hand from its rules.
import * as assert from 'assert';
import {
  estimateStepDuration,
  formatEpochHeader,
  formatEpochSummaryLine,
  formatEta,
  formatProgressLine,
  formatProgressValue,
  formatTimePerUnit,
} from '../src/shared/progress';

describe('progress: Keras 2 Progbar lines', () => {
  it('epoch header is 1-based', () => {
    assert.strictEqual(formatEpochHeader(0, 50), 'Epoch 1/50');
    assert.strictEqual(formatEpochHeader(9, 10), 'Epoch 10/10');
  });

  it('running line: padded count, bar with >, ETA, values to 4 decimals', () => {
    // 30 * 300/1719 = 5.23 -> 5 cells: 4 '=' and '>', then 25 '.'; ETA 0.04 * 1419 = 56.76 -> 56s.
    const line = formatProgressLine({
      current: 300,
      target: 1719,
      elapsedSeconds: 12,
      timePerStep: 0.04,
      values: [
        ['loss', 0.34561],
        ['accuracy', 0.90123],
      ],
    });
    assert.strictEqual(line, ' 300/1719 [====>.........................] - ETA: 56s - loss: 0.3456 - accuracy: 0.9012');
  });

  it('final line: full bar, elapsed and time per step, val values, .4e for small values', () => {
    const line = formatProgressLine({
      current: 1719,
      target: 1719,
      elapsedSeconds: 5.4,
      timePerStep: 0.0031,
      values: [
        ['loss', 0.3456],
        ['accuracy', 0.9012],
        ['val_loss', 0.00012],
        ['val_accuracy', 0.9],
      ],
    });
    assert.strictEqual(
      line,
      '1719/1719 [==============================] - 5s 3ms/step - loss: 0.3456 - accuracy: 0.9012 - val_loss: 1.2000e-04 - val_accuracy: 0.9000',
    );
  });

  it('bar edges: nothing done, one step short', () => {
    assert.strictEqual(
      formatProgressLine({ current: 0, target: 100, elapsedSeconds: 0, timePerStep: 0, values: [] }),
      '  0/100 [..............................] - ETA: 0s',
    );
    // 30 * 1718/1719 = 29.98 -> 29 cells: 28 '=' and '>', one '.'.
    assert.strictEqual(
      formatProgressLine({ current: 1718, target: 1719, elapsedSeconds: 5, timePerStep: 0.5, values: [] }),
      '1718/1719 [============================>.] - ETA: 0s',
    );
  });

  it('unknown target shows the count, elapsed and time per step', () => {
    assert.strictEqual(
      formatProgressLine({ current: 42, target: null, elapsedSeconds: 3.0, timePerStep: 0.07, values: [['loss', 0.5]] }),
      '     42/Unknown - 3s 70ms/step - loss: 0.5000',
    );
  });

  it('ETA formats: h:mm:ss above an hour, m:ss above a minute, else Ns, truncated', () => {
    assert.strictEqual(formatEta(3725), '1:02:05');
    assert.strictEqual(formatEta(3600), '60:00');
    assert.strictEqual(formatEta(125.9), '2:05');
    assert.strictEqual(formatEta(60), '60s');
    assert.strictEqual(formatEta(59.99), '59s');
    assert.strictEqual(formatEta(0.4), '0s');
  });

  it('time per unit: s, ms, us with half-to-even rounding', () => {
    assert.strictEqual(formatTimePerUnit(0), '0s/step');
    assert.strictEqual(formatTimePerUnit(1.5), '2s/step');
    assert.strictEqual(formatTimePerUnit(2.5), '2s/step');
    assert.strictEqual(formatTimePerUnit(0.5), '500ms/step');
    assert.strictEqual(formatTimePerUnit(0.001), '1ms/step');
    assert.strictEqual(formatTimePerUnit(0.0005), '500us/step');
    assert.strictEqual(formatTimePerUnit(12, 'epoch'), '12s/epoch');
  });

  it('values: .4f above 1e-3 (abs for verbose 1, signed for verbose 2), else .4e', () => {
    assert.strictEqual(formatProgressValue(0.001), '1.0000e-03');
    assert.strictEqual(formatProgressValue(0.0010001), '0.0010');
    assert.strictEqual(formatProgressValue(-0.5), '-0.5000');
    assert.strictEqual(formatProgressValue(-0.5, 2), '-5.0000e-01');
    assert.strictEqual(formatProgressValue(0, 1), '0.0000e+00');
  });

  it('step duration ignores the first step once known', () => {
    assert.strictEqual(estimateStepDuration(0, 5, null), 0);
    assert.strictEqual(estimateStepDuration(1, 2, null), 2);
    assert.strictEqual(estimateStepDuration(11, 3, 1), 0.2);
    assert.strictEqual(estimateStepDuration(4, 8, null), 2);
  });

  it('verbose 2: one line per epoch with per-epoch and per-step time', () => {
    // 5.4 s -> "5s" and "5s/epoch"; 5.4 / 1719 = 3.14 ms -> "3ms/step".
    const line = formatEpochSummaryLine({
      target: 1719,
      elapsedSeconds: 5.4,
      values: [
        ['loss', 0.3456],
        ['accuracy', 0.9012],
        ['val_loss', 0.3001],
        ['val_accuracy', 0.911],
      ],
    });
    assert.strictEqual(
      line,
      '1719/1719 - 5s - loss: 0.3456 - accuracy: 0.9012 - val_loss: 0.3001 - val_accuracy: 0.9110 - 5s/epoch - 3ms/step',
    );
  });

  it('elapsed rounds half to even like Python', () => {
    assert.strictEqual(
      formatProgressLine({ current: 10, target: 10, elapsedSeconds: 2.5, timePerStep: 0.25, values: [] }),
      '10/10 [==============================] - 2s 250ms/step',
    );
  });
});
