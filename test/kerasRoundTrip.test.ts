/**
 * Round trips through Keras files: a spec with every v1 layer type trains one short epoch, its
 * run is exported as .keras and .h5 (`modelspec export --run`, the code the panel's Export to
 * Keras... calls), each file is imported back (`modelspec import`), and the imported spec has
 * the original's summary and, loaded through its initial_weights, the trained weights bit for
 * bit. Then the host-side parts of Export to Keras...: the default path and the target checks.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../src/cli/main';
import { checkExportTarget, defaultRunExportPath } from '../src/core/exportTarget';
import { readRunModel, writeRunAsKeras } from '../src/core/keras/runModel';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { ROOT } from './helpers';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'keras', 'every-layer.model.json');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

function resolved(file: string): ResolvedSpec {
  const r = resolveSpec(fs.readFileSync(file, 'utf8'));
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('Keras round trip: train, export .keras and .h5, import, same summary and weights', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-roundtrip-'));
  let runDir = '';
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(async () => {
    const spec = path.join(dir, 'every-layer.model.json');
    // TensorFlow.js's BatchNormalization cannot train with center: false (it reads the beta it
    // did not create), so the trained copy keeps the default; the writers' tests cover center: false.
    fs.writeFileSync(spec, fs.readFileSync(FIXTURE, 'utf8').replace('"center": false, ', ''));
    // The real trainer bundle, in its own process, as `modelspec train` runs it.
    const before = process.env.MODELSPEC_TRAINER;
    process.env.MODELSPEC_TRAINER = path.join(ROOT, 'dist', 'trainer.js');
    const r = await cli('train', spec, '--epochs', '1', '--limit', '300', '--runs-dir', path.join(dir, 'runs')).finally(() => {
      if (before === undefined) delete process.env.MODELSPEC_TRAINER;
      else process.env.MODELSPEC_TRAINER = before;
    });
    assert.strictEqual(r.code, 0, r.err + r.out);
    const specRuns = path.join(dir, 'runs', 'every-layer');
    runDir = path.join(specRuns, fs.readdirSync(specRuns)[0]);
    assert.ok(fs.existsSync(path.join(runDir, 'model', 'model.json')));
  });

  for (const format of ['keras', 'h5'] as const) {
    it(`.${format}: the imported spec has the summary of the original, and its initial_weights are the trained weights`, async () => {
      const file = path.join(dir, `trained.${format}`);
      const exported = await cli('export', '--run', runDir, '--format', format, '--out', file);
      assert.strictEqual(exported.code, 0, exported.err);
      const specFile = path.join(dir, 'imported', `from-${format}.model.json`);
      const imported = await cli('import', file, '--out', specFile);
      assert.strictEqual(imported.code, 0, imported.err);
      // Our own files import with nothing left out.
      assert.doesNotMatch(imported.out + imported.err, /left out|not supported/);

      const summary = async (f: string): Promise<string> => {
        const r = await cli('summary', f);
        assert.ok(r.code === 0 && /Total params: 850\n/.test(r.out), r.err + r.out);
        return r.out;
      };
      assert.strictEqual(await summary(specFile), await summary(path.join(dir, 'every-layer.model.json')));

      const { initBackend } = await import('../src/trainer/backend');
      const { loadModel } = await import('../src/trainer/modelFiles');
      const { prepareInitialWeights } = await import('../src/trainer/initialWeights');
      const { buildModel } = await import('../src/trainer/buildModel');
      const { modelWeights } = await import('../src/trainer/keras/modelWeights');
      await initBackend('cpu');
      // The trained model as TensorFlow.js loads it from the run folder, and the imported spec's model built from its initial_weights.
      const trained = await loadModel(path.join(runDir, 'model'));
      const runSpec = JSON.parse(fs.readFileSync(path.join(runDir, 'spec.json'), 'utf8')) as ResolvedSpec;
      const importedSpec = resolved(specFile);
      await prepareInitialWeights(importedSpec, path.dirname(specFile));
      const rebuilt = buildModel(importedSpec);
      try {
        const want = modelWeights(trained, runSpec);
        const got = modelWeights(rebuilt, importedSpec);
        assert.deepStrictEqual(got.map((l) => l.map((w) => w.shape)), want.map((l) => l.map((w) => w.shape)));
        assert.ok(want.flat().length >= 10, 'every weighted layer type has weights');
        want.forEach((layer, i) => layer.forEach((w, j) => assert.ok(bytes(got[i][j].data).equals(bytes(w.data)), `layer ${i} weight ${j} differs`)));
        // What the exporter read from the run folder without TensorFlow.js is what TensorFlow.js loads.
        const read = readRunModel(runDir).weights;
        want.forEach((layer, i) => layer.forEach((w, j) => assert.ok(bytes(read[i][j].data).equals(bytes(w.data)), `run weight ${i}/${j} read differently`)));
      } finally {
        trained.dispose();
        rebuilt.dispose();
      }
    });
  }

  it('Export to Keras... (host side): offered beside the run, written atomically, existing files only replaced when of the same kind', async () => {
    const offered = defaultRunExportPath(runDir, 'keras');
    assert.strictEqual(offered, `${runDir}.keras`);
    assert.strictEqual(path.dirname(defaultRunExportPath(runDir + path.sep, 'h5')), path.dirname(runDir));
    assert.deepStrictEqual(checkExportTarget(offered, 'keras'), { ok: true, replaces: false });
    assert.deepStrictEqual(await writeRunAsKeras(runDir, offered, 'keras'), [offered]);
    // Nothing but the file is left beside it (the temporary files were renamed or removed).
    assert.deepStrictEqual(fs.readdirSync(path.dirname(runDir)).filter((f) => !fs.statSync(path.join(path.dirname(runDir), f)).isDirectory()), [path.basename(offered)]);
    assert.deepStrictEqual(checkExportTarget(offered, 'keras'), { ok: true, replaces: true });

    const notes = path.join(dir, 'notes.h5');
    fs.writeFileSync(notes, 'my notes, not a model');
    const refused = checkExportTarget(notes, 'h5');
    assert.ok(!refused.ok && refused.problem === `${notes} exists and is not a Keras .h5 file; not replacing it. Choose another file.`, JSON.stringify(refused));
    const wrongExt = checkExportTarget(path.join(dir, 'model.h5'), 'keras');
    assert.ok(!wrongExt.ok && wrongExt.problem === 'A .keras file must end in .keras, got "model.h5".', JSON.stringify(wrongExt));
    const noFolder = checkExportTarget(path.join(dir, 'missing', 'model.keras'), 'keras');
    assert.ok(!noFolder.ok && /the folder .*missing does not exist\. Create it first, or choose another file\./.test(noFolder.problem));

    // A run without a trained model says so, in a sentence.
    const empty = path.join(dir, 'runs', 'every-layer', 'empty-run');
    fs.mkdirSync(empty);
    fs.copyFileSync(path.join(runDir, 'spec.json'), path.join(empty, 'spec.json'));
    await assert.rejects(writeRunAsKeras(empty, path.join(dir, 'empty.keras'), 'keras'), /The run has no trained model \(model\/model\.json\) \(.*\): is it a run folder made by "modelspec train", and did the run finish\?/);
    assert.ok(!fs.existsSync(path.join(dir, 'empty.keras')));
  });
});
