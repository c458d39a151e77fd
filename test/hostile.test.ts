/**
 * A catalogue of hostile specs, data files and paths (issue 14). Each case either gets an error
 * from validation (as `modelspec validate` and the editor report it), or trains to completion
 * (one short epoch on a small slice, the fused kernel where it applies), or is refused by the
 * trainer with the message the case names (data files, whose contents validation does not read).
 * No message may hold internal text. The variant case runs the real CLI and trainer processes.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { analyze } from '../src/core/analyze';
import { main } from '../src/cli/main';
import { train } from '../src/trainer/train';
import type { FromTrainer, StartMessage } from '../src/shared/trainerProtocol';
import { assertNoInternalText, csvRows, csvSpec } from './hostileData';
import { ROOT } from './helpers';

type Spec = Record<string, unknown> & { layers: Record<string, unknown>[]; data: Record<string, unknown>; compile: Record<string, unknown>; fit: Record<string, unknown> };
/** A file to put beside the spec: text, bytes, or a FIFO. */
type FileContent = string | Buffer | { fifo: true };
/** `invalid`: validation reports an error; `trains`: training completes; a RegExp: the trainer refuses with that message. */
type Expect = 'invalid' | 'trains' | RegExp;
interface Case { name: string; spec: string | ((s: Spec) => void); files?: Record<string, FileContent>; expect: Expect }

const base = (): Spec => JSON.parse(csvSpec()) as Spec;
const STANDARD_FILES: Record<string, FileContent> = { 'train.csv': csvRows(60), 'test.csv': csvRows(15, 5) };

/** An NPY v1 file. */
function npy(descr: string, shape: number[], data: Buffer): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}
const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer);
const u8 = (values: number[]): Buffer => Buffer.from(values);
/** Labels 0..2 for n examples, as uint8. */
const labels = (n: number): Buffer => u8(Array.from({ length: n }, (_, i) => i % 3));
const features = (n: number, width = 4): Buffer => f32(Array.from({ length: n * width }, (_, i) => (i % 7) / 7));

/** Gzip data cut short of its end (its trailer and last block). */
const truncatedGzip = (data: Buffer): Buffer => {
  const gz = zlib.gzipSync(data);
  return gz.subarray(0, gz.length - 12);
};

/** The spec with its training data from x.npy / y.npy (the test split stays the CSV). */
const npyTrain = (s: Spec): void => {
  s.data.train = { x: 'x.npy', y: 'y.npy' };
};
const trainCsv = (file: string) => (s: Spec): void => {
  s.data.train = { csv: file, label_column: 'label' };
};
const callback = (cb: Record<string, unknown>) => (s: Spec): void => {
  s.fit.callbacks = [cb];
};
const rows = (lines: string[]): string => ['a,b,c,d,label', ...lines, ...csvRows(30).split('\n').slice(1)].join('\n');

const SPECS: Case[] = [
  // Names
  { name: 'layer names with spaces and < (TensorFlow.js refuses them as weight names)', spec: (s) => { s.layers[0].name = 'dense <1>'; s.layers[1].name = 'out put'; }, expect: 'invalid' },
  { name: 'a layer name with a NUL byte', spec: (s) => { s.layers[0].name = 'a\u0000b'; }, expect: 'invalid' },
  { name: 'a spec name with escape bytes', spec: (s) => { s.name = '\u001b[31mred\r'; }, expect: 'trains' },
  { name: 'a 300-character spec name', spec: (s) => { s.name = 'n'.repeat(300); }, expect: 'trains' },
  { name: 'a Windows device name as spec name', spec: (s) => { s.name = 'CON'; }, expect: 'trains' },
  { name: 'duplicate layer names', spec: (s) => { s.layers[0].name = 'x'; s.layers[1].name = 'x'; }, expect: 'invalid' },
  // Text
  { name: 'a UTF-8 BOM before the spec', spec: '\uFEFF' + csvSpec(), expect: 'trains' },
  { name: 'an empty file', spec: '', expect: 'invalid' },
  { name: 'null', spec: 'null', expect: 'invalid' },
  { name: 'a list', spec: '[]', expect: 'invalid' },
  { name: 'a NUL byte between members', spec: csvSpec().replace('"seed": 3,', '"seed": 3,\u0000'), expect: 'invalid' },
  { name: 'nesting 10,000 deep', spec: '['.repeat(10000) + ']'.repeat(10000), expect: 'invalid' },
  { name: '__proto__ and constructor keys', spec: csvSpec().replace('"seed": 3,', '"seed": 3, "__proto__": { "x": 1 }, "constructor": 1,'), expect: 'invalid' },
  // Layers and sizes
  { name: 'no layers', spec: (s) => { s.layers = []; }, expect: 'invalid' },
  { name: 'units 0', spec: (s) => { s.layers[0].units = 0; }, expect: 'invalid' },
  { name: 'units 1.5', spec: (s) => { s.layers[0].units = 1.5; }, expect: 'invalid' },
  { name: 'units as a string', spec: (s) => { s.layers[0].units = '8'; }, expect: 'invalid' },
  { name: 'units null', spec: (s) => { s.layers[0].units = null; }, expect: 'invalid' },
  { name: 'input_shape [0]', spec: (s) => { s.layers[0].input_shape = [0]; }, expect: 'invalid' },
  { name: 'input_shape [1e9]', spec: (s) => { s.layers[0].input_shape = [1e9]; }, expect: 'invalid' },
  { name: '500 Dense layers of 1,000 units', spec: (s) => { s.layers.splice(1, 0, ...Array.from({ length: 500 }, () => ({ type: 'Dense', units: 1000 }))); }, expect: 'invalid' },
  { name: 'an activity regularizer (the fused engine trains it)', spec: (s) => { s.layers[0].activity_regularizer = 'l2'; }, expect: 'trains' },
  { name: 'an activity regularizer on the softmax output (the fused engine trains the whole model in its front)', spec: (s) => { s.layers[1].activity_regularizer = 'l2'; }, expect: 'trains' },
  { name: 'an unknown activation', spec: (s) => { s.layers[0].activation = 'relu; rm -rf /'; }, expect: 'invalid' },
  // Fit and compile
  { name: 'epochs 1e23', spec: (s) => { s.fit.epochs = 1e23; }, expect: 'invalid' },
  { name: 'batch_size 10^6 (clamped to the data, as Keras does)', spec: (s) => { s.fit.batch_size = 1e6; }, expect: 'trains' },
  { name: 'batch_size 0', spec: (s) => { s.fit.batch_size = 0; }, expect: 'invalid' },
  { name: 'a schedule given as a bare name', spec: (s) => { s.compile.optimizer = { type: 'SGD', learning_rate: 'ExponentialDecay' }; }, expect: 'invalid' },
  { name: 'PiecewiseConstantDecay with unsorted boundaries', spec: (s) => { s.compile.optimizer = { type: 'SGD', learning_rate: { type: 'PiecewiseConstantDecay', boundaries: [10, 5], values: [0.1, 0.01, 0.001] } }; }, expect: 'invalid' },
  { name: 'a negative learning rate', spec: (s) => { s.compile.optimizer = { type: 'SGD', learning_rate: -1 }; }, expect: 'invalid' },
  { name: 'a learning rate of 1e300', spec: (s) => { s.compile.optimizer = { type: 'SGD', learning_rate: 1e300 }; }, expect: 'trains' },
  // Callback paths
  { name: 'CSVLogger onto spec.json', spec: callback({ type: 'CSVLogger', filename: 'spec.json' }), expect: 'invalid' },
  { name: 'CSVLogger onto "."', spec: callback({ type: 'CSVLogger', filename: '.' }), expect: 'invalid' },
  { name: 'CSVLogger into a new folder', spec: callback({ type: 'CSVLogger', filename: 'logs/deep/x.csv' }), expect: 'trains' },
  { name: 'ModelCheckpoint inside history.csv', spec: callback({ type: 'ModelCheckpoint', filepath: 'history.csv/x' }), expect: 'invalid' },
  { name: 'ModelCheckpoint leaving the run folder', spec: callback({ type: 'ModelCheckpoint', filepath: '../../../../escape' }), expect: 'invalid' },
  { name: 'ModelCheckpoint with an unformattable template', spec: callback({ type: 'ModelCheckpoint', filepath: 'ckpt-{epoch:zz}' }), expect: 'invalid' },
  { name: 'EarlyStopping on a metric nothing logs', spec: callback({ type: 'EarlyStopping', monitor: 'val_nope' }), expect: 'invalid' },
  { name: 'a CSVLogger separator of two characters', spec: callback({ type: 'CSVLogger', filename: 'log.csv', separator: ';;' }), expect: 'invalid' },
];

const DATA: Case[] = [
  { name: 'a missing data file', spec: trainCsv('nope.csv'), expect: /nope\.csv: file not found/ },
  { name: 'a folder as data', spec: trainCsv('folder'), files: { 'folder/x': 'x' }, expect: /folder: is a folder; give the path of a data file/ },
  { name: 'a FIFO as data (never opened for a blocking read)', spec: trainCsv('pipe.csv'), files: { 'pipe.csv': { fifo: true } }, expect: /pipe\.csv: is not a regular file/ },
  { name: '/dev/zero as data', spec: trainCsv('/dev/zero'), expect: /\/dev\/zero: is not a regular file/ },
  { name: 'a binary file as CSV', spec: trainCsv('bin.csv'), files: { 'bin.csv': Buffer.from([0, 1, 2, 27, 91, 50, 74, 0xff, 0xfe, 10, 1, 2, 3]) }, expect: /bin\.csv/ },
  { name: 'a CSV with only a header', spec: trainCsv('head.csv'), files: { 'head.csv': 'a,b,c,d,label\n' }, expect: /head\.csv/ },
  { name: 'NaN in a CSV', spec: trainCsv('nan.csv'), files: { 'nan.csv': rows(['1,nan,2,3,0']) }, expect: /nan\.csv line 2, column 2 .*"nan" is not a number/ },
  { name: 'Infinity in a CSV', spec: trainCsv('inf.csv'), files: { 'inf.csv': rows(['1,2,Infinity,3,0']) }, expect: /inf\.csv line 2/ },
  { name: 'a label out of range', spec: trainCsv('big.csv'), files: { 'big.csv': rows(['1,2,3,4,7']) }, expect: /big\.csv|label/ },
  { name: 'a fractional label', spec: trainCsv('frac.csv'), files: { 'frac.csv': rows(['1,2,3,4,1.5']) }, expect: /frac\.csv|label/ },
  { name: 'a ragged CSV row', spec: trainCsv('ragged.csv'), files: { 'ragged.csv': rows(['1,2,3']) }, expect: /ragged\.csv line 2/ },
  { name: 'a CSV without the label column', spec: trainCsv('nolabel.csv'), files: { 'nolabel.csv': 'a,b,c,d,e\n1,2,3,4,0\n' }, expect: /nolabel\.csv.*label/ },
  { name: 'NPY examples wider than input_shape', spec: npyTrain, files: { 'x.npy': npy('<f4', [30, 5], features(30, 5)), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.npy\) have shape 5; every split needs the same input shape/ },
  { name: 'a truncated NPY', spec: npyTrain, files: { 'x.npy': npy('<f4', [30, 4], features(10)), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.npy/ },
  { name: 'NaN in an NPY', spec: npyTrain, files: { 'x.npy': npy('<f4', [30, 4], f32([NaN, ...Array(119).fill(0.5)])), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.npy.*(NaN|finite)/ },
  { name: 'int64 labels that would wrap to int32', spec: npyTrain, files: { 'x.npy': npy('<f4', [30, 4], features(30)), 'y.npy': npy('<i8', [30], Buffer.from(new BigInt64Array(Array.from({ length: 30 }, (_, i) => (i === 3 ? 2n ** 40n : BigInt(i % 3)))).buffer)) }, expect: /y\.npy/ },
  { name: 'an NPY header declaring 10^12 examples', spec: npyTrain, files: { 'x.npy': npy('<f4', [1e12, 4], features(2)), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.npy/ },
  { name: 'examples and labels of different counts', spec: npyTrain, files: { 'x.npy': npy('<f4', [30, 4], features(30)), 'y.npy': npy('|u1', [20], labels(20)) }, expect: /30.*20|20.*30/ },
  { name: 'an empty IDX file', spec: (s) => { s.data.train = { x: 'x.idx', y: 'y.npy' }; }, files: { 'x.idx': Buffer.alloc(0), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.idx/ },
  { name: 'corrupt gzip', spec: (s) => { s.data.train = { x: 'x.npy.gz', y: 'y.npy' }; }, files: { 'x.npy.gz': truncatedGzip(npy('<f4', [30, 4], features(30))), 'y.npy': npy('|u1', [30], labels(30)) }, expect: /x\.npy\.gz: corrupt or truncated gzip data/ },
  { name: 'a path with a NUL byte', spec: trainCsv('tr\u0000ain.csv'), expect: 'invalid' },
  { name: 'a data path outside the spec folder (the user\'s own spec may)', spec: trainCsv('../shared/train.csv'), files: { '../shared/train.csv': csvRows(60) }, expect: 'trains' },
  { name: 'scale 1e-300', spec: (s) => { s.data.scale = 1e-300; }, expect: /scale|finite/ },
];

describe('hostile catalogue: validation reports it, or training completes, or the trainer says clearly why not', function () {
  this.timeout(120000);
  let root: string;
  let n = 0;
  before(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-hostile-')); });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Writes the case's spec and files into a new folder; returns the spec path and text. */
  function setUp(c: Case): { specPath: string; text: string; dir: string } {
    const dir = path.join(root, `case-${++n}`, 'project');
    fs.mkdirSync(dir, { recursive: true });
    for (const [rel, content] of Object.entries({ ...STANDARD_FILES, ...c.files })) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (typeof content === 'object' && 'fifo' in content) cp.execFileSync('mkfifo', [file]);
      else fs.writeFileSync(file, content);
    }
    let text: string;
    if (typeof c.spec === 'string') text = c.spec;
    else {
      const s = base();
      c.spec(s);
      text = JSON.stringify(s, null, 2);
    }
    const specPath = path.join(dir, 'hostile.model.json');
    fs.writeFileSync(specPath, text);
    return { specPath, text, dir };
  }

  for (const c of [...SPECS, ...DATA]) {
    it(`${c.name}: ${c.expect instanceof RegExp ? `refused (${c.expect.source})` : c.expect}`, async () => {
      const { specPath, text, dir } = setUp(c);
      const errors = analyze(text).diagnostics.filter((d) => d.severity === 'error');
      for (const d of errors) assertNoInternalText(d.message, `diagnostic ${d.code}`);
      if (c.expect === 'invalid') {
        assert.ok(errors.length > 0, 'validation reports no error');
        return;
      }
      assert.deepStrictEqual(errors.map((d) => `${d.code}: ${d.message}`), [], 'a spec this case trains must validate clean');
      const msgs: FromTrainer[] = [];
      const start: StartMessage = { type: 'start', specPath, specText: text, runsDir: path.join(dir, '..', 'runs'), backend: 'auto', epochs: 1, limit: 16 };
      await train(start, { emit: (m) => msgs.push(m), cancelled: () => false });
      const error = msgs.find((m) => m.type === 'error');
      const done = msgs.find((m) => m.type === 'done');
      if (c.expect === 'trains') {
        assert.ok(done && done.type === 'done' && done.status === 'completed', `validated clean, then: ${error?.type === 'error' ? error.message : 'no done message'}`);
        return;
      }
      assert.ok(error && error.type === 'error', `expected a refusal, got ${done?.type}`);
      assert.match(error.message, c.expect);
      assertNoInternalText(error.message);
      // Bytes from the file are quoted escaped, never raw (a terminal would act on them).
      assert.doesNotMatch(error.message, /[\u0000-\u0009\u000b-\u001f]/, 'raw control characters in the message');
    });
  }
});

describe('hostile paths for the CLI', function () {
  this.timeout(120000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-hostile-paths-'));
    fs.writeFileSync(path.join(dir, 'train.csv'), csvRows(60));
    fs.writeFileSync(path.join(dir, 'test.csv'), csvRows(15, 5));
    fs.writeFileSync(path.join(dir, 'tiny.model.json'), csvSpec());
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const saved = process.env.MODELSPEC_TRAINER;
    process.env.MODELSPEC_TRAINER = path.join(ROOT, 'dist', 'trainer.js');
    try {
      const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
      assertNoInternalText(err, 'stderr');
      return { code, out, err };
    } finally {
      if (saved === undefined) delete process.env.MODELSPEC_TRAINER;
      else process.env.MODELSPEC_TRAINER = saved;
    }
  }

  it('a spec that is a folder, a FIFO or missing: exit 2 at once, saying which', async () => {
    cp.execFileSync('mkfifo', [path.join(dir, 'pipe.model.json')]);
    for (const command of ['validate', 'summary', 'train', 'export']) {
      const fifo = await cli(command, path.join(dir, 'pipe.model.json'), ...(command === 'export' ? ['--out', path.join(dir, 'o')] : []));
      assert.strictEqual(fifo.code, 2, `${command}: ${fifo.err}`);
      assert.match(fifo.err, /pipe\.model\.json: it is not a regular file \(a FIFO, device or socket\), so it is not read\./, command);
      const folder = await cli(command, dir, ...(command === 'export' ? ['--out', path.join(dir, 'o')] : []));
      assert.strictEqual(folder.code, 2, command);
      assert.match(folder.err, /: it is a folder\./, command);
      const missing = await cli(command, path.join(dir, 'nope.model.json'), ...(command === 'export' ? ['--out', path.join(dir, 'o')] : []));
      assert.strictEqual(missing.code, 2, command);
      assert.match(missing.err, /nope\.model\.json: no such file\./, command);
    }
  });

  it('runs folders that cannot be made: an empty name, /proc, a file', async () => {
    const spec = path.join(dir, 'tiny.model.json');
    const empty = await cli('train', spec, '--runs-dir', '');
    assert.strictEqual(empty.code, 2);
    for (const runsDir of ['/proc/modelspec-runs', path.join(dir, 'train.csv')]) {
      const r = await cli('train', spec, '--runs-dir', runsDir, '--limit', '32');
      assert.strictEqual(r.code, 1, r.err);
      assert.match(r.err, /modelspec train: /);
    }
  });

  it('evaluate on a file, a FIFO, the root folder', async () => {
    cp.execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    for (const target of [path.join(dir, 'train.csv'), path.join(dir, 'fifo'), '/']) {
      const r = await cli('evaluate', target);
      assert.strictEqual(r.code, 1, r.err);
      assert.match(r.err, /spec\.json is missing: is .* a run folder made by "modelspec train"\?/);
    }
  });

  it('one failing variant does not stop the others; the summary says which failed and why; exit 1', async () => {
    // Each variant trains on its own file: validation cannot see that one holds NaN or that another is gone.
    fs.writeFileSync(path.join(dir, 'nan.csv'), rows(['1,nan,2,3,0']));
    const spec = csvSpec(`,
  "variants": [
    { "name": "nan-data", "data": { "train": { "csv": "nan.csv", "label_column": "label" } } },
    { "name": "good" },
    { "name": "gone-data", "data": { "train": { "csv": "gone.csv", "label_column": "label" } } }
  ]`);
    const file = path.join(dir, 'vars.model.json');
    fs.writeFileSync(file, spec);
    assert.deepStrictEqual(analyze(spec).diagnostics.filter((d) => d.severity === 'error'), []);
    const runs = path.join(dir, 'runs');
    const r = await cli('train', file, '--runs-dir', runs, '--epochs', '1');
    assert.strictEqual(r.code, 1, r.err);
    assert.match(r.out, /\nnan-data {2,}.*failed\ngood {2,}.*completed\ngone-data {2,}.*failed\n/);
    assert.match(r.out, /\n2 of 3 variants failed \(the others still ran\):\n {2}nan-data: .*nan\.csv line 2, column 2 .*"nan" is not a number.*\n {2}gone-data: .*gone\.csv: file not found/);
    assert.match(r.err, /modelspec train: .*nan\.csv.* \(variant "nan-data"\)/);
    const json = await cli('train', file, '--runs-dir', runs, '--epochs', '1', '--json');
    assert.strictEqual(json.code, 1);
    const last = JSON.parse(json.out.trimEnd().split('\n').pop()!) as { runs: { variant: string; status: string; error?: string }[] };
    assert.deepStrictEqual(last.runs.map((x) => [x.variant, x.status, x.error !== undefined]), [['nan-data', 'failed', true], ['good', 'completed', false], ['gone-data', 'failed', true]]);
  });
});
