import * as assert from 'assert';
import { bestEpoch, metricDirection } from '../src/core/bestEpoch';
import { NAMED, kerasMetricDirection, lookupLoss, lookupMetric } from '../src/core/registry';
import { KERAS_ONLY_METRICS } from '../src/core/registry/kerasMetrics';
import { comparisonTable } from '../src/cli/trainCommand';
import { bestOf, higherIsBetter } from '../src/panel/series';
import { newRun, reduceRun } from '../src/panel/state';
import type { FromTrainer, RunResult } from '../src/shared/trainerProtocol';

/** A history where precision peaks at epoch 2 while val_loss is lowest at epoch 3. */
const HISTORY = {
  loss: [0.9, 0.5, 0.4],
  val_loss: [0.8, 0.6, 0.55],
  precision: [0.6, 0.9, 0.7],
  val_precision: [0.5, 0.8, 0.7],
};

/** The panel's best epoch after live epoch messages and a checkpoint monitoring `monitor`. */
function panelBest(history: Record<string, number[]>, monitor: string | null): { epoch: number | null; monitor: string | null } {
  const run = newRun('run', 'spec', null);
  if (monitor) reduceRun(run, { type: 'checkpoint', epoch: 1, path: 'best', monitor, previous: null, current: null, saveBestOnly: true, verbose: 0 });
  const epochs = history.loss.length;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const metrics = Object.fromEntries(Object.entries(history).map(([k, v]) => [k, v[epoch]]));
    reduceRun(run, { type: 'epoch', epoch, epochs, metrics, seconds: 1, samplesPerSecond: 1 } as FromTrainer);
  }
  return { epoch: run.bestEpoch, monitor: run.bestMonitor };
}

/** The CLI comparison table's "Best <monitor>" header and epoch cell for one run. */
function cliBest(history: Record<string, number[]>, bestMonitor: string | null): { monitor: string; epoch: string } {
  const result = { history, bestMonitor, bestEpoch: null, test: null } as unknown as RunResult;
  const lines = comparisonTable([{ variant: 'v', runDir: null, status: 'completed', result }]).split('\n');
  const head = lines[0].split(/\s{2,}/);
  const row = lines[2].trim().split(/\s+/);
  return { monitor: head[1].replace(/^Best /, ''), epoch: row[2] };
}

describe('best epoch', () => {
  it('takes each direction from the registry: precision and recall are better when higher', () => {
    for (const key of ['precision', 'val_precision', 'Recall', 'val_recall', 'accuracy', 'val_acc', 'val_binary_accuracy']) {
      assert.strictEqual(metricDirection(key), 'max', key);
    }
    for (const key of ['loss', 'val_loss', 'mse', 'val_mean_absolute_error', 'val_binary_crossentropy', 'learning_rate']) {
      assert.strictEqual(metricDirection(key), 'min', key);
    }
    // Keras metrics outside the registry keep Keras's direction; registry-only loss names are minimized.
    assert.strictEqual(metricDirection('val_auc'), 'max');
    assert.strictEqual(metricDirection('cosine_similarity'), 'max');
    assert.strictEqual(metricDirection('kld'), 'min');
    assert.strictEqual(higherIsBetter('val_precision'), true);
    assert.strictEqual(higherIsBetter('recall'), true);
    assert.deepStrictEqual(bestOf([0.5, 0.8, 0.7], 'val_precision'), { value: 0.8, epoch: 2 });
  });

  it('gives every metric and loss entry a direction, and never disagrees with Keras', () => {
    for (const m of NAMED.metric) {
      const direction = lookupMetric(m.name)?.direction;
      assert.ok(direction === 'min' || direction === 'max', m.name);
      for (const spelling of [m.name, ...m.aliases]) {
        assert.strictEqual(kerasMetricDirection(spelling), direction, spelling);
        assert.ok(!KERAS_ONLY_METRICS.has(spelling), `${spelling} is a registry metric: its direction belongs on the entry`);
      }
    }
    for (const l of NAMED.loss) assert.strictEqual(lookupLoss(l.name)?.direction, 'min', l.name);
  });

  it('uses the monitor if logged, else val_loss, else loss; skips NaN; first epoch on ties', () => {
    assert.deepStrictEqual(bestEpoch(HISTORY, 'val_precision'), { epoch: 2, monitor: 'val_precision' });
    assert.deepStrictEqual(bestEpoch(HISTORY, 'val_auc'), { epoch: 3, monitor: 'val_loss' });
    assert.deepStrictEqual(bestEpoch(HISTORY), { epoch: 3, monitor: 'val_loss' });
    assert.deepStrictEqual(bestEpoch({ loss: [2, 1, 1] }, null), { epoch: 2, monitor: 'loss' });
    assert.deepStrictEqual(bestEpoch({ loss: [NaN, 3, Infinity, 2] }), { epoch: 4, monitor: 'loss' });
    assert.strictEqual(bestEpoch({ loss: [NaN] }), null);
    assert.strictEqual(bestEpoch({}), null);
  });

  it('the CLI table, the panel and result.json agree on the best epoch for the same history', () => {
    for (const monitor of ['val_precision', 'precision', 'val_loss', null]) {
      // result.json: what fit records (train.ts calls bestEpoch with the first callback's monitor).
      const result = bestEpoch(HISTORY, monitor);
      assert.ok(result);
      const panel = panelBest(HISTORY, monitor);
      const cli = cliBest(HISTORY, result.monitor);
      assert.deepStrictEqual(panel, { epoch: result.epoch, monitor: result.monitor }, `panel, monitor ${monitor}`);
      assert.deepStrictEqual(cli, { monitor: result.monitor, epoch: String(result.epoch) }, `CLI, monitor ${monitor}`);
    }
    assert.deepStrictEqual(cliBest(HISTORY, 'val_precision'), { monitor: 'val_precision', epoch: '2' }, 'precision is maximized in the CLI');
  });
});
