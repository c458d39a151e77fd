import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { FromTrainer, RunResult } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { mulberry32 } from './helpers';

/** A CSV of 4 features and a label column computed from them by `label`. */
function csv(rows: number, label: (f: number[]) => number): string {
  const rand = mulberry32(17);
  const lines = ['f0,f1,f2,f3,label'];
  for (let i = 0; i < rows; i++) {
    const f = Array.from({ length: 4 }, () => Math.round(rand() * 100) / 100);
    lines.push([...f, label(f)].join(','));
  }
  return lines.join('\n') + '\n';
}

/** Trains `spec` on the tfjs engine for one epoch on CSV data: the finished run's result. */
async function trainCsv(spec: object, label: (f: number[]) => number): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-metrics-'));
  try {
    fs.writeFileSync(path.join(dir, 'train.csv'), csv(64, label));
    fs.writeFileSync(path.join(dir, 'test.csv'), csv(32, label));
    const full = {
      name: 'metrics', seed: 1,
      data: { train: { csv: 'train.csv', label_column: 'label' }, test: { csv: 'test.csv', label_column: 'label' } },
      fit: { epochs: 1, batch_size: 16 },
      ...spec,
    };
    const text = JSON.stringify(full);
    const specPath = path.join(dir, 'm.model.json');
    fs.writeFileSync(specPath, text);
    const messages: FromTrainer[] = [];
    await train({ type: 'start', specPath, specText: text, runsDir: path.join(dir, 'runs'), backend: 'cpu', engine: 'tfjs' }, { emit: (m) => messages.push(m), cancelled: () => false });
    const done = messages.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.ok(done, JSON.stringify(messages.filter((m) => m.type === 'error')));
    return done.result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const input = { type: 'Input', shape: [4] };
const close = (a: number, b: number, label: string): void => assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b)), `${label}: ${a} vs ${b}`);

describe('metrics on the TensorFlow.js engine', function () {
  this.timeout(60000);

  it('trains the sparse classification metrics; sparse cross-entropy as a metric equals the loss', async () => {
    const r = await trainCsv({
      layers: [input, { type: 'Dense', units: 3, activation: 'softmax' }],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'SGD', metrics: ['accuracy', 'sparse_categorical_accuracy', 'sparse_categorical_crossentropy'] },
    }, (f) => (f[0] > 0.66 ? 2 : f[0] > 0.33 ? 1 : 0));
    assert.ok(r.test);
    close(r.test.sparse_categorical_crossentropy, r.test.loss, 'sparse_categorical_crossentropy');
    close(r.test.sparse_categorical_accuracy, r.test.accuracy, 'sparse_categorical_accuracy');
    assert.strictEqual(r.history.val_sparse_categorical_accuracy, undefined, 'no validation data, no val_ series');
  });

  it('trains the binary metrics: binary cross-entropy as a metric equals the loss, precision and recall are fractions', async () => {
    const r = await trainCsv({
      layers: [input, { type: 'Dense', units: 1, activation: 'sigmoid' }],
      compile: { loss: 'binary_crossentropy', optimizer: 'SGD', metrics: ['binary_accuracy', 'precision', 'recall', 'binary_crossentropy'] },
    }, (f) => (f[1] > 0.5 ? 1 : 0));
    assert.ok(r.test);
    close(r.test.binary_crossentropy, r.test.loss, 'binary_crossentropy');
    for (const k of ['binary_accuracy', 'precision', 'recall']) assert.ok(r.test[k] >= 0 && r.test[k] <= 1, `${k}: ${r.test[k]}`);
  });

  it('trains the regression metrics: MSE as a metric equals the MSE loss', async () => {
    const r = await trainCsv({
      layers: [input, { type: 'Dense', units: 1 }],
      compile: { loss: 'mean_squared_error', optimizer: 'SGD', metrics: ['mean_squared_error', 'mean_absolute_error', 'mean_absolute_percentage_error'] },
    }, (f) => 1 + f[0] + 2 * f[2]);
    assert.ok(r.test);
    close(r.test.mean_squared_error, r.test.loss, 'mean_squared_error');
    assert.ok(r.test.mean_absolute_error > 0 && r.test.mean_absolute_error ** 2 <= r.test.loss + 1e-6, 'MAE^2 <= MSE');
    assert.ok(r.test.mean_absolute_percentage_error > 0);
  });

  it('trains sparse cross-entropy from logits with accuracy (the standard Keras pattern)', async () => {
    const r = await trainCsv({
      layers: [input, { type: 'Dense', units: 3 }],
      compile: { loss: { type: 'sparse_categorical_crossentropy', from_logits: true }, optimizer: 'SGD', metrics: ['accuracy', 'sparse_categorical_accuracy'] },
    }, (f) => (f[0] > 0.5 ? 2 : 0));
    assert.ok(r.test && r.test.loss > 0 && r.test.accuracy >= 0 && r.test.accuracy <= 1, JSON.stringify(r.test));
    close(r.test.sparse_categorical_accuracy, r.test.accuracy, 'sparse_categorical_accuracy');
  });
});
