import * as assert from 'assert';
import { bestCells, comparisonColumns, comparisonRows, sortRows, toCsv } from '../../src/panel/compare';
import type { RunSummary } from '../../src/panel/protocol';
import { bestOf, higherIsBetter, pushBatchPoint, emptyBatchSeries, smooth } from '../../src/panel/series';

function summary(variant: string, valLoss: number[], valAccuracy: number[], extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id: `runs/s/${variant}`, spec: 's', variant, status: 'completed', backend: 'wasm',
    history: { loss: valLoss, val_loss: valLoss, val_accuracy: valAccuracy }, bestEpoch: null, bestMonitor: null,
    stoppedEarly: false, test: { loss: valLoss[valLoss.length - 1], accuracy: valAccuracy[valAccuracy.length - 1] },
    epochsRun: valLoss.length, samplesPerSecond: 1000, durationSeconds: 10 * valLoss.length, startedAt: null, ...extra,
  };
}

describe('comparison table', () => {
  const runs = [
    summary('a', [0.5, 0.3, 0.4], [0.8, 0.9, 0.85]),
    summary('b', [0.6, 0.2], [0.7, 0.95], { backend: 'cpu' }),
    summary('=cmd', [0.7], [0.6], { test: null, stoppedEarly: true }),
  ];
  const columns = comparisonColumns(runs);
  const rows = comparisonRows(runs, columns);

  it('has the best (not last) validation value and its epoch, test metrics, epochs, time and backend', () => {
    assert.deepStrictEqual(columns.map((c) => c.key), [
      'run', 'status', 'best:val_loss', 'bestEpoch:val_loss', 'best:val_accuracy', 'bestEpoch:val_accuracy',
      'test:loss', 'test:accuracy', 'epochs', 'time', 'samplesPerSecond', 'backend',
    ]);
    assert.deepStrictEqual(rows[0].cells['best:val_loss'], 0.3);
    assert.deepStrictEqual(rows[0].cells['bestEpoch:val_loss'], 2);
    assert.deepStrictEqual(rows[0].cells['best:val_accuracy'], 0.9);
    assert.deepStrictEqual(rows[2].cells['test:accuracy'], null);
    assert.deepStrictEqual(rows[2].cells.status, 'stopped early');
    const best = bestCells(rows, columns);
    assert.strictEqual(best.get('best:val_loss'), 1);
    assert.strictEqual(best.get('best:val_accuracy'), 1);
    assert.strictEqual(best.has('epochs'), false);
  });

  it('sorts both ways, numbers as numbers, empty cells last', () => {
    const by = (key: string, dir: 'ascending' | 'descending'): string[] => sortRows(rows, key, dir).map((r) => r.run.variant ?? '');
    assert.deepStrictEqual(by('best:val_accuracy', 'descending'), ['b', 'a', '=cmd']);
    assert.deepStrictEqual(by('best:val_accuracy', 'ascending'), ['=cmd', 'a', 'b']);
    assert.deepStrictEqual(by('test:loss', 'ascending'), ['b', 'a', '=cmd']);
    assert.deepStrictEqual(by('test:loss', 'descending'), ['a', 'b', '=cmd']);
    assert.deepStrictEqual(by('backend', 'ascending'), ['b', 'a', '=cmd']);
  });

  it('exports CSV with quoting and no spreadsheet formulas', () => {
    const csv = toCsv(columns, sortRows(rows, 'run', 'ascending'));
    const lines = csv.split('\r\n');
    assert.strictEqual(lines[0], 'Run,Status,Best val_loss,Epoch (val_loss),Best val_accuracy,Epoch (val_accuracy),Test loss,Test accuracy,Epochs,Time,Samples/s,Backend');
    assert.strictEqual(lines[1], "'=cmd,stopped early,0.7,1,0.6,1,,,1,10,1000,wasm");
    assert.strictEqual(lines[2], 'a,completed,0.3,2,0.9,2,0.4,0.85,3,30,1000,wasm');
    assert.strictEqual(lines[4], '');
    const quoted = toCsv([{ key: 'run', label: 'Run, "name"', numeric: false }], comparisonRows([summary('x,"y"', [1], [1])], [{ key: 'run', label: 'Run', numeric: false }]));
    assert.strictEqual(quoted, '"Run, ""name"""\r\n"x,""y"""\r\n');
  });
});

describe('series', () => {
  it('smooths like TensorBoard: debiased, gaps kept, 0 is raw', () => {
    assert.deepStrictEqual(smooth([1, null, 3], 0), [1, null, 3]);
    const s = smooth([2, 2, null, 2], 0.9);
    assert.deepStrictEqual(s.map((v) => (v === null ? null : Number(v.toFixed(12)))), [2, 2, null, 2], 'a constant stays constant');
    const t = smooth([0, 10], 0.5) as number[];
    assert.ok(t[1] > 5 && t[1] < 10);
  });

  it('judges metrics as Keras mode=auto does', () => {
    assert.strictEqual(higherIsBetter('val_accuracy'), true);
    assert.strictEqual(higherIsBetter('sparse_categorical_accuracy'), true);
    assert.strictEqual(higherIsBetter('auc'), true);
    assert.strictEqual(higherIsBetter('val_loss'), false);
    assert.strictEqual(higherIsBetter('mae'), false);
    assert.deepStrictEqual(bestOf([3, 1, 1, 2], 'loss'), { value: 1, epoch: 2 });
    assert.deepStrictEqual(bestOf([null, null], 'loss'), null);
  });

  it('thins batch points to the cap, and keeps new metrics aligned', () => {
    const s = emptyBatchSeries();
    for (let i = 0; i < 1000; i++) pushBatchPoint(s, i, i < 500 ? { loss: i } : { loss: i, accuracy: 1 }, 100);
    assert.ok(s.x.length <= 100 && s.x.length > 50, `${s.x.length}`);
    assert.strictEqual(s.stride, 16);
    assert.deepStrictEqual(s.x.slice(0, 3), [0, 16, 32]);
    assert.strictEqual(s.values.accuracy.length, s.x.length);
    assert.strictEqual(s.values.accuracy[0], null);
    assert.strictEqual(s.values.accuracy[s.x.length - 1], 1);
  });
});
