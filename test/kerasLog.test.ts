/**
 * The Keras-style log (src/shared/kerasLog.ts) as each host prints it: the CLI, the extension's
 * Output channel and the panel's log view show the same lines for the same trainer messages.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { healthReport } from '../src/cli/healthCommand';
import { main } from '../src/cli/main';
import { outputChannelLines } from '../src/extension/outputLog';
import { kerasLogLines } from '../src/shared/kerasLog';
import { loadRun } from '../src/panel/state';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { train } from '../src/trainer/train';
import { ROOT } from './helpers';
import { RECORDED_RUN_DIR } from './panel/fixtures';

const FAKE = path.join(ROOT, 'test', 'fixtures', 'fakeTrainer.js');

/** A small real-MNIST run whose callbacks all speak: EarlyStopping stops at epoch 2, the rate halves, checkpoints save. */
const SPEC = `{
  "name": "speaking", "seed": 7,
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 500 } },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 16, "activation": "relu" },
    { "type": "Dense", "units": 10, "activation": "softmax" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": { "type": "SGD", "learning_rate": 0.1 }, "metrics": ["accuracy"] },
  "fit": { "epochs": 4, "batch_size": 64, "callbacks": [
    { "type": "EarlyStopping", "monitor": "val_loss", "min_delta": 10, "verbose": 1 },
    { "type": "ReduceLROnPlateau", "monitor": "val_loss", "min_delta": 10, "patience": 1, "factor": 0.5, "verbose": 1 },
    { "type": "ModelCheckpoint", "filepath": "best", "save_best_only": true, "verbose": 1 }
  ] }
}`;

/** Lines as a host prints them, one `\n` each. */
const text = (lines: string[]): string => lines.map((l) => l + '\n').join('');

describe('Keras-style log: one renderer for every host', function () {
  this.timeout(120000);
  let dir: string;
  /** The run folder's events.jsonl: every message the real trainer sent. */
  let events: string;
  let messages: FromTrainer[];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-log-'));
    const specPath = path.join(dir, 'speaking.model.json');
    fs.writeFileSync(specPath, SPEC);
    let runDir = '';
    await train({ type: 'start', specPath, specText: SPEC, runsDir: path.join(dir, 'runs'), backend: 'wasm', limit: 1000 }, {
      emit: (m) => { if (m.type === 'done' || m.type === 'error') runDir = m.runDir ?? ''; },
      cancelled: () => false,
    });
    events = fs.readFileSync(path.join(runDir, 'events.jsonl'), 'utf8');
    messages = events.trim().split('\n').map((l) => JSON.parse(l) as FromTrainer);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the CLI prints exactly the Output channel lines for the same recorded messages', async () => {
    const file = path.join(dir, 'events.jsonl');
    fs.writeFileSync(file, events);
    let out = '';
    let err = '';
    const saved = { ...process.env };
    Object.assign(process.env, { MODELSPEC_TRAINER: FAKE, FAKE_TRAINER_REPLAY: file });
    try {
      const code = await main(['train', path.join(dir, 'speaking.model.json'), '--runs-dir', path.join(dir, 'cli-runs')], {
        out: (s) => { out += s; }, err: (s) => { err += s; },
      });
      assert.strictEqual(code, 0, err);
    } finally {
      process.env = saved;
    }
    const channel = messages.flatMap((m) => outputChannelLines(m, undefined));
    // After its runs the CLI adds what the Output channel leaves to the Problems view: the health report.
    const done = messages.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
    assert.ok(done?.result.health, 'the recorded run has training health');
    assert.strictEqual(out, text(channel) + healthReport([{ variant: null, result: done.result }]));
    // Not vacuous: the header, the epochs and every callback are there, in Keras's words.
    for (const line of ['Fit: 4 epochs, batch size 64, 16 steps per epoch', 'Epoch 1/4', 'Epoch 2/4', 'Epoch 2: early stopping',
      'Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.', 'Epoch 1: finished saving model to best']) {
      assert.ok(channel.includes(line), `${line}\nin:\n${out}`);
    }
    assert.ok(channel.some((l) => /^Epoch 1: val_loss improved from None to \d\.\d{5}, saving model to best$/.test(l)), out);
    assert.ok(channel.some((l) => /^16\/16 - \d+s - loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - \d+m?s\/epoch - \d+m?s\/step$/.test(l)), out);
    assert.ok(channel.some((l) => /^Test: loss \d\.\d{4} - accuracy \d\.\d{4}$/.test(l)), out);
  });

  it("the panel's log view shows the same lines, read back from the run folder", () => {
    const run = loadRun('r', { events });
    assert.ok(run);
    assert.deepStrictEqual(run.log, messages.flatMap((m) => kerasLogLines(m).map((l) => l.text)));
  });

  it('old run folders keep their text log, and the renderer rebuilds the same epoch lines from the numbers', () => {
    const legacy = loadRun('old', { events: fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'legacy-events.jsonl'), 'utf8') });
    const current = loadRun('new', { events: fs.readFileSync(path.join(RECORDED_RUN_DIR, 'events.jsonl'), 'utf8') });
    assert.ok(legacy && current);
    assert.deepStrictEqual(legacy.log, [
      'Epoch 1/3',
      '313/313 - 3s - loss: 1.4707 - accuracy: 0.6302 - val_loss: 0.7082 - val_accuracy: 0.8274 - 3s/epoch - 9ms/step',
      'Epoch 2/3',
      '313/313 - 2s - loss: 0.5509 - accuracy: 0.8530 - val_loss: 0.4561 - val_accuracy: 0.8690 - 2s/epoch - 7ms/step',
      'Epoch 3/3',
      '313/313 - 2s - loss: 0.4052 - accuracy: 0.8856 - val_loss: 0.3572 - val_accuracy: 0.9018 - 2s/epoch - 8ms/step',
      'Test: loss: 0.3630 - accuracy: 0.8973',
    ]);
    assert.deepStrictEqual(current.log.filter((l) => /^(Epoch|313)/.test(l)), legacy.log.slice(0, 6));
  });

  it('renders the invalid-loss stop and the callback warnings as Keras words them', () => {
    const lines = (m: FromTrainer): string[] => kerasLogLines(m).map((l) => `${l.level}: ${l.text}`);
    assert.deepStrictEqual(lines({ type: 'invalidLoss', epoch: 0, batch: 12 }), ['warning: Batch 12: Invalid loss, terminating training']);
    assert.deepStrictEqual(lines({ type: 'callbackWarning', callback: 'ReduceLROnPlateau', warning: 'unknownMode', mode: 'up' }),
      ["warning: ReduceLROnPlateau mode 'up' is unknown, fallback to auto mode."]);
    assert.deepStrictEqual(lines({ type: 'checkpointSkipped', epoch: 3, monitor: 'val_loss', best: 0.3, verbose: 0 }), []);
    assert.deepStrictEqual(lines({ type: 'epoch', epoch: 0, epochs: 2, metrics: { loss: 0.5, learning_rate: 0.1 }, seconds: 2, samplesPerSecond: 1, steps: 10, stepsDone: 4 }),
      ['info:  4/10 - 2s - loss: 0.5000'], 'a cancelled epoch shows the steps it ran (padded to the target, as Keras does); the learning rate is not on the line');
  });
});
