/**
 * `initial_weights` checked against the file it names, as `modelspec validate` (the core's
 * checkInitialWeights) and the editor (InitialWeightsFiles: asynchronous reads cached by mtime)
 * report it: a missing file, a file that is not a Keras file, and weights whose layers or
 * shapes differ from the model's, each on the value's range.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze } from '../src/core/analyze';
import { Code, type Diagnostic } from '../src/core/diagnostics';
import { checkInitialWeights } from '../src/core/keras/initialWeightsCheck';
import { kerasWeightShapes } from '../src/core/keras/kerasWeights';
import { writeKerasFile, writeLegacyH5 } from '../src/core/keras/kerasWriters';
import { kerasModelLayers } from '../src/core/keras/toKerasConfig';
import { resolveSpec, type ResolvedSpec } from '../src/core/resolve';
import { InitialWeightsFiles } from '../src/extension/initialWeightsFiles';
import { marked } from './helpers';

const specText = (inputs: number, units: number[], weights: string): string => JSON.stringify({
  layers: [{ type: 'Input', shape: [inputs] }, ...units.map((u) => ({ type: 'Dense', units: u }))],
  compile: { loss: 'mse', optimizer: 'sgd' },
}).replace('{"layers"', `{"initial_weights": ⟦${JSON.stringify(weights)}⟧, "layers"`);

function resolved(inputs: number, units: number[]): ResolvedSpec {
  const r = resolveSpec(specText(inputs, units, 'x.h5').replace(/[⟦⟧]/g, ''));
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

/** A Keras file of the model `inputs` -> Dense(units...), its weights counting up. */
async function kerasFile(file: string, inputs: number, units: number[]): Promise<void> {
  const spec = resolved(inputs, units);
  let v = 0;
  const weights = kerasModelLayers(spec).map((l) => (kerasWeightShapes(l) ?? []).map((shape) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => v++ / 100) })));
  await (file.endsWith('.keras') ? writeKerasFile(file, spec, weights) : writeLegacyH5(file, spec, weights));
}

describe('initial_weights checked against its file (validate and the editor)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-initial-weights-'));
  const specPath = path.join(dir, 'net.model.json');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The diagnostics both checkers give for a spec naming `weights`; asserts they agree and sit on the value. */
  async function both(inputs: number, units: number[], weights: string): Promise<Diagnostic[]> {
    const { text, offset, length } = marked(specText(inputs, units, weights));
    const analysis = analyze(text);
    assert.deepStrictEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    const fromCli = await checkInitialWeights(analysis, specPath);
    const fromEditor = await new InitialWeightsFiles().check(analysis, specPath);
    assert.deepStrictEqual(fromEditor, fromCli);
    for (const d of fromCli) assert.deepStrictEqual([d.code, d.offset, d.length, d.severity], [Code.InitialWeights, offset, length, 'error']);
    return fromCli;
  }

  it('a matching .h5 or .keras file gives no problem', async () => {
    await kerasFile(path.join(dir, 'ok.h5'), 4, [3, 2]);
    await kerasFile(path.join(dir, 'ok.keras'), 4, [3, 2]);
    assert.deepStrictEqual(await both(4, [3, 2], 'ok.h5'), []);
    assert.deepStrictEqual(await both(4, [3, 2], 'ok.keras'), []);
  });

  it('a missing file says where it was looked for', async () => {
    const [d] = await both(4, [3, 2], 'weights/gone.h5');
    assert.strictEqual(d.message, `initial_weights weights/gone.h5: there is no file ${path.join(dir, 'weights', 'gone.h5')} (the path is relative to the spec's folder); fix the path or remove "initial_weights".`);
  });

  it('a file that is not a Keras file, or is cut short, or is a folder, says so', async () => {
    fs.writeFileSync(path.join(dir, 'notes.h5'), 'plain text, not HDF5');
    assert.match((await both(4, [3, 2], 'notes.h5'))[0].message, /^initial_weights notes\.h5: it is not an HDF5 file/);
    fs.writeFileSync(path.join(dir, 'notes.keras'), 'plain text, not a zip');
    assert.match((await both(4, [3, 2], 'notes.keras'))[0].message, /^initial_weights notes\.keras: it is not a zip archive/);
    const whole = path.join(dir, 'whole.h5');
    await kerasFile(whole, 4, [3, 2]);
    fs.writeFileSync(path.join(dir, 'cut.h5'), fs.readFileSync(whole).subarray(0, 1500));
    assert.match((await both(4, [3, 2], 'cut.h5'))[0].message, /^initial_weights cut\.h5: its HDF5 data is cut short/);
    fs.mkdirSync(path.join(dir, 'folder.h5'));
    assert.match((await both(4, [3, 2], 'folder.h5'))[0].message, /^initial_weights folder\.h5: it is a folder, not a file\./);
  });

  it('a file with another number of weighted layers names both lists', async () => {
    await kerasFile(path.join(dir, 'two.h5'), 4, [3, 2]);
    const [d] = await both(4, [3, 3, 2], 'two.h5');
    assert.strictEqual(d.message, 'initial_weights two.h5: the file has 2 layer(s) with weights (dense, dense_1), the spec 3 (dense, dense_1, dense_2); import the spec from this file again, or remove "initial_weights".');
  });

  it('weights of other shapes are found even when the parameter counts agree', async () => {
    // [5, 5] + [5] and [4, 6] + [6] are both 30 parameters: only the shapes tell them apart.
    for (const ext of ['h5', 'keras']) {
      await kerasFile(path.join(dir, `five.${ext}`), 5, [5]);
      const [d] = await both(4, [6], `five.${ext}`);
      assert.strictEqual(d.message, `initial_weights five.${ext}: layer dense (Dense) has weights kernel, bias of shapes [4, 6], [6] in the spec, but the file's layer dense has [5, 5], [5].`);
    }
  });

  it('the editor reads a file again only when it changed on disk', async () => {
    const file = path.join(dir, 'changing.h5');
    await kerasFile(file, 4, [2]);
    const files = new InitialWeightsFiles();
    const analysis = analyze(specText(4, [3], 'changing.h5').replace(/[⟦⟧]/g, ''));
    assert.match((await files.check(analysis, specPath))[0].message, /shapes \[4, 3\], \[3\] in the spec, but the file's layer dense has \[4, 2\], \[2\]/);
    await kerasFile(file, 4, [3]);
    // A later modification time, whatever the file system's clock resolution.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    assert.deepStrictEqual(await files.check(analysis, specPath), []);
    fs.rmSync(file);
    assert.match((await files.check(analysis, specPath))[0].message, /there is no file/);
  });
});
