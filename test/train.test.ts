import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { kerasLogLines } from '../src/shared/kerasLog';
import { train } from '../src/trainer/train';
import type { FromTrainer, RunResult, StartMessage } from '../src/shared/trainerProtocol';
import { ROOT } from './helpers';

/** A small MLP on a real-MNIST slice: fast enough for unit tests, real data all the same. */
function smallSpec(extra = '', units = 10): string {
  return `{
  "name": "small", "seed": 7,
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 500 } },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 32, "activation": "relu", "kernel_initializer": "he_normal" },
    { "type": "Dense", "units": ${units}, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "learning_rate": 0.1 }, "metrics": ["accuracy"] },
  "fit": { "epochs": 2, "batch_size": 64${extra} }
}`;
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-train-'));
}

async function run(specText: string, over: Partial<StartMessage> = {}, cancelAfter?: number): Promise<FromTrainer[]> {
  const dir = tmp();
  const specPath = path.join(dir, 'small.model.json');
  fs.writeFileSync(specPath, specText);
  const msgs: FromTrainer[] = [];
  let batches = 0;
  await train({ type: 'start', specPath, specText, runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 1000, ...over }, {
    emit: (m) => { msgs.push(m); if (m.type === 'batch') batches++; },
    cancelled: () => cancelAfter !== undefined && batches >= cancelAfter,
  });
  return msgs;
}

const done = (msgs: FromTrainer[]) => msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');

describe('trainer: training loop on real MNIST', function () {
  this.timeout(120000);

  it('trains, evaluates on the test split and writes a complete run folder', async () => {
    const msgs = await run(smallSpec(', "callbacks": [ { "type": "ModelCheckpoint", "filepath": "ckpt-{epoch:02d}-{val_loss:.2f}" } ]'));
    const d = done(msgs);
    assert.ok(d, JSON.stringify(msgs.filter((m) => m.type === 'error')));
    assert.strictEqual(d.status, 'completed');
    const started = msgs.find((m) => m.type === 'started') as Extract<FromTrainer, { type: 'started' }>;
    assert.strictEqual(started.trainCount, 1000);
    assert.strictEqual(started.validationCount, 500);
    assert.strictEqual(started.testCount, 10000);
    assert.match(started.backendReason, /wasm/);
    const files = fs.readdirSync(d.runDir).sort();
    for (const f of ['events.jsonl', 'history.csv', 'model', 'result.json', 'spec.json', 'summary.txt']) assert.ok(files.includes(f), f);
    assert.ok(files.some((f) => /^ckpt-02-\d\.\d\d$/.test(f)), files.join(','));
    const result: RunResult = JSON.parse(fs.readFileSync(path.join(d.runDir, 'result.json'), 'utf8'));
    assert.strictEqual(result.status, 'completed');
    assert.deepStrictEqual(Object.keys(result.history).sort(), ['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    assert.strictEqual(result.epochsRun, 2);
    assert.ok(result.test && result.test.accuracy > 0.6, `test accuracy ${result.test?.accuracy}`);
    assert.ok(result.samplesPerSecond > 0);
    assert.strictEqual(fs.readFileSync(path.join(d.runDir, 'history.csv'), 'utf8').split('\r\n')[0], 'epoch,accuracy,loss,val_accuracy,val_loss');
    const events = fs.readFileSync(path.join(d.runDir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(events[0].type, 'started');
    assert.strictEqual(events[events.length - 1].type, 'done');
    assert.ok(msgs.some((m) => kerasLogLines(m).some((l) => l.text === 'Epoch 1/2')));

    // The confusion matrix agrees with the test accuracy; mistakes come most confident first, with images.
    const ev = msgs.find((m): m is Extract<FromTrainer, { type: 'evaluation' }> => m.type === 'evaluation');
    const c = ev?.classification;
    assert.ok(c, 'a classifier gets a classification');
    assert.deepStrictEqual(c.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const total = c.matrix.flat().reduce((a, b) => a + b, 0);
    const right = c.matrix.reduce((a, row, i) => a + row[i], 0);
    assert.strictEqual(total, 10000);
    assert.ok(Math.abs(right / total - (result.test?.accuracy ?? 0)) < 1e-4, `${right / total} vs ${result.test?.accuracy}`);
    assert.strictEqual(c.misclassified.length, 24);
    for (let i = 1; i < c.misclassified.length; i++) assert.ok(c.misclassified[i - 1].confidence >= c.misclassified[i].confidence);
    const m0 = c.misclassified[0];
    assert.notStrictEqual(m0.label, m0.predicted);
    assert.strictEqual(c.matrix[m0.label][m0.predicted] > 0, true);
    assert.deepStrictEqual([m0.image?.width, m0.image?.height, m0.image?.channels], [28, 28, 1]);
    assert.strictEqual(Buffer.from(m0.image?.data ?? '', 'base64').length, 784);
    assert.deepStrictEqual(result.classification, c, 'result.json keeps it');
  });

  it('seeded dropout masks: same seed, same history; another seed, another history', async () => {
    const dropout = (seed: number) => smallSpec().replace('"seed": 7', `"seed": ${seed}`)
      .replace('"kernel_initializer": "he_normal" },', '"kernel_initializer": "he_normal" },\n    { "type": "Dropout", "rate": 0.5 },');
    const a = done(await run(dropout(7), { epochs: 1 }))?.result.history;
    const b = done(await run(dropout(7), { epochs: 1 }))?.result.history;
    assert.ok(a && b);
    assert.deepStrictEqual(a, b);
    const c = done(await run(dropout(8), { epochs: 1 }))?.result.history;
    assert.notDeepStrictEqual(a, c);
  });

  it('follows a learning-rate schedule, and refuses ReduceLROnPlateau on top of one', async () => {
    // A rate that drops to ~0 after the first batch: the second epoch cannot change the weights.
    const sched = smallSpec().replace('{ "type": "SGD", "learning_rate": 0.1 }',
      '{ "type": "SGD", "learning_rate": { "type": "PiecewiseConstantDecay", "boundaries": [0], "values": [0.1, 1e-30] } }');
    const d = done(await run(sched));
    assert.ok(d);
    const v = d.result.history.val_loss;
    assert.strictEqual(v.length, 2);
    assert.ok(Math.abs(v[1] - v[0]) < 1e-6, `val_loss moved: ${v}`);
    const plain = done(await run(smallSpec()));
    assert.ok(plain && Math.abs(plain.result.history.val_loss[1] - plain.result.history.val_loss[0]) > 1e-3, 'without the schedule it keeps learning');
    const msgs = await run(sched.replace('"batch_size": 64', '"batch_size": 64, "callbacks": [ { "type": "ReduceLROnPlateau" } ]'));
    assert.match((msgs.find((m) => m.type === 'error') as { message: string }).message, /ReduceLROnPlateau cannot change a learning rate that follows a schedule/);
  });

  it('same spec, seed and backend give the same history', async () => {
    const a = done(await run(smallSpec()))?.result.history;
    const b = done(await run(smallSpec()))?.result.history;
    assert.ok(a && b);
    assert.deepStrictEqual(a, b);
  });

  it('cancel stops after the current batch and leaves a consistent run marked cancelled', async () => {
    const msgs = await run(smallSpec(), { epochs: 5 }, 1);
    const d = done(msgs);
    assert.ok(d);
    assert.strictEqual(d.status, 'cancelled');
    const result: RunResult = JSON.parse(fs.readFileSync(path.join(d.runDir, 'result.json'), 'utf8'));
    assert.strictEqual(result.status, 'cancelled');
    assert.strictEqual(result.epochsRun, 1);
    assert.ok(fs.existsSync(path.join(d.runDir, 'model', 'model.json')), 'what was learned is saved');
  });

  it('EarlyStopping stops and restores the best weights (Keras semantics)', async () => {
    // min_delta 10 means nothing counts as an improvement: stop after the second epoch (epoch > 0).
    const msgs = await run(smallSpec(', "callbacks": [ { "type": "EarlyStopping", "monitor": "val_loss", "min_delta": 10, "verbose": 1 } ]'), { epochs: 6 });
    const d = done(msgs);
    assert.ok(d);
    assert.strictEqual(d.result.epochsRun, 2);
    assert.strictEqual(d.result.stoppedEarly, true);
    assert.ok(msgs.some((m) => kerasLogLines(m).some((l) => l.text === 'Epoch 2: early stopping')));
  });

  it('sends batch messages as often as batchIntervalMs says: 0 every batch, a long interval the first and last', async () => {
    const steps = (msgs: FromTrainer[]) => msgs.filter((m): m is Extract<FromTrainer, { type: 'batch' }> => m.type === 'batch').map((m) => `${m.epoch}:${m.step}`);
    const every = await run(smallSpec(), { batchIntervalMs: 0 });
    assert.deepStrictEqual(steps(every), [0, 1].flatMap((e) => Array.from({ length: 16 }, (_, i) => `${e}:${i + 1}`)));
    const rare = await run(smallSpec(), { batchIntervalMs: 1e9 });
    assert.deepStrictEqual(steps(rare), ['0:1', '0:16', '1:1', '1:16']);
    const epochs = rare.filter((m): m is Extract<FromTrainer, { type: 'epoch' }> => m.type === 'epoch');
    assert.deepStrictEqual(epochs.map((m) => [m.steps, m.stepsDone]), [[16, 16], [16, 16]]);
    assert.deepStrictEqual(done(every)?.result.history, done(rare)?.result.history, 'messages do not change the training');
  });

  it('stops at the first invalid loss and says which batch, as TerminateOnNaN', async () => {
    // A regression head at a learning rate that diverges in the second epoch.
    const diverging = smallSpec('', 1).replace('"activation": "softmax"', '"activation": "linear"')
      .replace('"sparse_categorical_crossentropy"', '"mean_squared_error"').replace('"learning_rate": 0.1', '"learning_rate": 3');
    const msgs = await run(diverging, { epochs: 4, batchIntervalMs: 0 });
    const bad = msgs.filter((m): m is Extract<FromTrainer, { type: 'invalidLoss' }> => m.type === 'invalidLoss');
    assert.strictEqual(bad.length, 1, JSON.stringify(msgs.filter((m) => m.type === 'error')));
    const i = msgs.indexOf(bad[0]);
    const batch = msgs.slice(0, i).reverse().find((m): m is Extract<FromTrainer, { type: 'batch' }> => m.type === 'batch');
    assert.ok(batch && batch.epoch === bad[0].epoch && batch.step === bad[0].batch + 1 && !Number.isFinite(batch.metrics.loss), 'the batch message of the bad batch comes first');
    const epoch = msgs.slice(i).find((m): m is Extract<FromTrainer, { type: 'epoch' }> => m.type === 'epoch');
    assert.deepStrictEqual([epoch?.epoch, epoch?.stepsDone, epoch?.steps], [bad[0].epoch, bad[0].batch + 1, 16]);
    const d = done(msgs);
    assert.ok(d);
    assert.strictEqual(d.status, 'completed');
    assert.strictEqual(d.result.stoppedEarly, true);
    assert.strictEqual(d.result.epochsRun, bad[0].epoch + 1);
  });

  it('modelspec evaluate and export --run use the trained model of a run folder', async () => {
    const d = done(await run(smallSpec(), { epochs: 1 }));
    assert.ok(d && d.result.test);
    const cli = async (...argv: string[]) => {
      let out = '';
      let err = '';
      const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
      return { code, out, err };
    };
    const j = await cli('evaluate', d.runDir, '--backend', 'wasm', '--json');
    assert.strictEqual(j.code, 0, j.err);
    const ev = JSON.parse(j.out);
    assert.strictEqual(ev.type, 'evaluation');
    assert.strictEqual(ev.testCount, 10000);
    for (const k of ['loss', 'accuracy']) assert.ok(Math.abs(ev.metrics[k] - d.result.test[k]) < 1e-5, `${k}: ${ev.metrics[k]} vs ${d.result.test[k]}`);
    assert.deepStrictEqual(ev.classification.matrix, d.result.classification?.matrix);
    const text = await cli('evaluate', d.runDir, '--backend', 'wasm');
    assert.match(text.out, /Test \(10,000 examples\): loss: \d\.\d{4} - accuracy: \d\.\d{4}/);
    assert.match(text.out, /Confusion matrix \(rows: true class, columns: predicted class\)/);

    const out = path.join(tmp(), 'exported');
    const x = await cli('export', '--run', d.runDir, '--out', out);
    assert.strictEqual(x.code, 0, x.err);
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ['model.json', 'weights.bin']);
    assert.ok(fs.readFileSync(path.join(out, 'weights.bin')).equals(fs.readFileSync(path.join(d.runDir, 'model', 'weights.bin'))));

    const missing = await cli('evaluate', tmp());
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, /spec\.json is missing: is .* a run folder made by "modelspec train"\?/);
    const noModel = await cli('export', '--run', tmp(), '--out', out);
    assert.strictEqual(noModel.code, 2);
    assert.match(noModel.err, /has no trained model/);
  });

  it('reports a bad spec or bad labels as an error message, not a crash', async () => {
    let msgs = await run('{ "layers": [] }');
    assert.match((msgs.find((m) => m.type === 'error') as { message: string }).message, /error/);
    msgs = await run(smallSpec('', 8).replace('"dataset": "mnist"', '"dataset": "mnist"'));
    const err = msgs.find((m) => m.type === 'error') as { message: string } | undefined;
    assert.ok(err, 'units 8 for 10 classes is refused');
  });
});

describe('trainer: child process over IPC', function () {
  this.timeout(120000);

  it('speaks the protocol: ready, start, progress, cancel, done, then exits', async () => {
    const dir = tmp();
    const specPath = path.join(dir, 'small.model.json');
    fs.writeFileSync(specPath, smallSpec());
    const child = cp.fork(path.join(ROOT, 'dist', 'trainer.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const types: string[] = [];
    let status: string | undefined;
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.on('message', (m: FromTrainer) => {
      types.push(m.type);
      if (m.type === 'done') status = m.status;
      if (m.type === 'ready') child.send({ type: 'start', specPath, specText: smallSpec(), runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 600, epochs: 3 } satisfies StartMessage);
      if (m.type === 'epoch' && m.epoch === 0) child.send({ type: 'cancel' });
    });
    assert.strictEqual(await exit, 0);
    assert.strictEqual(types[0], 'ready');
    assert.strictEqual(types[1], 'started');
    assert.strictEqual(types[types.length - 1], 'done');
    assert.ok(types.includes('batch') && types.includes('epoch'));
    // The cancel sent over IPC after the first epoch is seen between batches, not after training.
    assert.strictEqual(status, 'cancelled');
    assert.ok(types.filter((t) => t === 'epoch').length < 3);
  });

  it('a trainer whose host disappears stops after the batch, saves what it learned and marks the run cancelled', async () => {
    const dir = tmp();
    const specPath = path.join(dir, 'small.model.json');
    fs.writeFileSync(specPath, smallSpec());
    const child = cp.fork(path.join(ROOT, 'dist', 'trainer.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let runDir = '';
    child.on('message', (m: FromTrainer) => {
      if (m.type === 'ready') child.send({ type: 'start', specPath, specText: smallSpec(), runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 600, epochs: 50 } satisfies StartMessage);
      if (m.type === 'started') runDir = m.runDir;
      // As when the host is killed (kill -9 of the CLI): the IPC channel closes, nobody says cancel.
      if (m.type === 'batch' && child.connected) child.disconnect();
    });
    assert.strictEqual(await exit, 0);
    const result: RunResult = JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8'));
    assert.strictEqual(result.status, 'cancelled');
    assert.ok(result.epochsRun < 50, `stopped early, not after ${result.epochsRun} epochs`);
    assert.ok(result.finishedAt);
    assert.ok(fs.existsSync(path.join(runDir, 'model', 'model.json')), 'what was learned is saved');
  });
});
