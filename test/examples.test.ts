import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze } from '../src/core/analyze';
import { train } from '../src/trainer/train';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { ROOT } from './helpers';

/** The examples that teach a model type, and the variants trained here (`undefined`: the spec has none). */
const TRAINED: [string, (string | undefined)[]][] = [
  ['mnist-convnet.model.json', [undefined]],
  // The base (all three regularizers, TensorFlow.js for BatchNormalization) and Dropout + L2 on the fused kernel.
  ['regularized-mlp.model.json', ['dropout + l2 + batchnorm', 'dropout', 'l2']],
];

describe('examples: the convnet and the regularized MLP', function () {
  // A convnet epoch on 500 images plus its validation and test splits takes tens of seconds on tfjs.
  this.timeout(300000);

  for (const [file, variants] of TRAINED) {
    const specPath = path.join(ROOT, 'examples', file);
    it(`${file} validates with no diagnostic at all`, () => {
      assert.deepStrictEqual(analyze(fs.readFileSync(specPath, 'utf8')).diagnostics.map((d) => d.message), []);
    });

    for (const variant of variants) {
      it(`${file}${variant === undefined ? '' : ` (variant "${variant}")`} trains one epoch on 500 images`, async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-example-'));
        const msgs: FromTrainer[] = [];
        try {
          await train({
            type: 'start', specPath, specText: fs.readFileSync(specPath, 'utf8'), runsDir: dir, backend: 'auto', epochs: 1, limit: 500,
            ...(variant === undefined ? {} : { variant }),
          }, { emit: (m) => msgs.push(m), cancelled: () => false });
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.deepStrictEqual(msgs.filter((m) => m.type === 'error'), []);
        const done = msgs.find((m): m is Extract<FromTrainer, { type: 'done' }> => m.type === 'done');
        assert.strictEqual(done?.status, 'completed');
        assert.ok(Number.isFinite(done.result.test?.loss), 'evaluated on the test split');
        const started = msgs.find((m): m is Extract<FromTrainer, { type: 'started' }> => m.type === 'started');
        // Dropout and L2 between Dense layers are the fused kernel's; BatchNormalization and Conv2D are not yet.
        if (variant === 'dropout' || variant === 'l2') assert.match(started?.engine ?? '', /fused kernel/);
      });
    }
  }
});
