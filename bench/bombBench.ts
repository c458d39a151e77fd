/**
 * Decompression bombs and other hostile data files: builds each probe (small on disk), loads it
 * in a child process and reports the child's peak RSS while the file is refused (target: under
 * 1 GB each) and the message it got. A probe that is not refused, or that blocks, fails the bench.
 *
 *   npx tsc -p . && node out/bench/bombBench.js
 *   npm run bench -- bombs
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import type { DataSpec } from '../src/core/data/dataSpec';

/** Inflated size of the bombs: 1.2 GB, as in the probe that found the problem. */
const BOMB_BYTES = 1.2e9;
const MiB = 1 << 20;

/** An IDX header for `n` 28x28 uint8 images. */
function idxHeader(n: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(0x00000803, 0);
  h.writeUInt32BE(n, 4);
  h.writeUInt32BE(28, 8);
  h.writeUInt32BE(28, 12);
  return h;
}

/** An NPY v1 header for `n` 28x28 uint8 images, padded to 64 bytes like numpy. */
function npyHeader(n: number): Buffer {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${n}, 28, 28), }`.padEnd(53, ' ') + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, dict.length, 0]);
  return Buffer.concat([pre, Buffer.from(dict, 'latin1')]);
}

/**
 * Raw deflate of `head` followed by zeros up to `total` bytes, without holding them: one
 * flushed block of 1 MiB of zeros is repeated. Returns the stream, the CRC-32 and the size.
 */
function deflateWithZeros(head: Buffer, total: number): { body: Buffer; crc: number; size: number } {
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const zeros = Buffer.alloc(MiB);
  const zeroBlock = zlib.deflateRawSync(zeros, flush);
  const parts = [zlib.deflateRawSync(head, flush)];
  let crc = zlib.crc32(head);
  let size = head.length;
  for (; size + MiB <= total; size += MiB) {
    parts.push(zeroBlock);
    crc = zlib.crc32(zeros, crc);
  }
  parts.push(Buffer.from([0x03, 0x00])); // an empty final block
  return { body: Buffer.concat(parts), crc, size };
}

function gzipBomb(): Buffer {
  const { body, crc, size } = deflateWithZeros(Buffer.concat([idxHeader(600), Buffer.alloc(600 * 784)]), BOMB_BYTES);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), body, trailer]);
}

interface ZipEntry { name: string; body: Buffer; crc: number; size: number; method: 0 | 8 }

/** A zip of the entries; `announced` replaces the true uncompressed size of the first entry in both headers. */
function zipOf(entries: ZipEntry[], announced?: number): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  entries.forEach((e, i) => {
    const n = Buffer.from(e.name);
    const size = i === 0 && announced !== undefined ? announced : e.size;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(n.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt32LE(e.crc >>> 0, 16);
    cd.writeUInt32LE(e.body.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(n.length, 28);
    cd.writeUInt32LE(offset, 42);
    parts.push(local, n, e.body);
    central.push(cd, n);
    offset += 30 + n.length + e.body.length;
  });
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cdBuf, eocd]);
}

/** A Keras-layout .npz whose x_train inflates to 1.2 GB behind an NPY header declaring 600 images. */
function zipBomb(announced?: number): Buffer {
  const x = deflateWithZeros(Buffer.concat([npyHeader(600), Buffer.alloc(600 * 784)]), BOMB_BYTES);
  const yData = Buffer.concat([npyHeader(600).toString('latin1').replace('(600, 28, 28)', '(600,)        '), Buffer.alloc(600)].map((b) => Buffer.from(b as string | Buffer)));
  return zipOf([
    { name: 'x_train.npy', body: x.body, crc: x.crc, size: x.size, method: 8 },
    { name: 'y_train.npy', body: yData, crc: zlib.crc32(yData), size: yData.length, method: 0 },
  ], announced);
}

/** Each probe: a name and the data section that points at its file(s) in `dir`. */
function buildProbes(dir: string): { name: string; data: DataSpec }[] {
  const labels = path.join(dir, 'labels-idx1-ubyte');
  const l = Buffer.alloc(8 + 600);
  l.writeUInt32BE(0x00000801, 0);
  l.writeUInt32BE(600, 4);
  fs.writeFileSync(labels, l);
  fs.writeFileSync(path.join(dir, 'bomb-idx3-ubyte.gz'), gzipBomb());
  fs.writeFileSync(path.join(dir, 'honest.npz'), zipBomb());
  fs.writeFileSync(path.join(dir, 'lying.npz'), zipBomb(80 + 600 * 784));
  // A sparse file: 1.2 GB long, a few KB on disk.
  const long = path.join(dir, 'long-idx3-ubyte');
  fs.writeFileSync(long, Buffer.concat([idxHeader(600), Buffer.alloc(600 * 784)]));
  fs.truncateSync(long, BOMB_BYTES);
  const dims = Buffer.alloc(4 + 4 * 255, 0xff);
  dims.writeUInt32BE(0x000008ff, 0);
  fs.writeFileSync(path.join(dir, 'dims-idx'), dims);
  const fifo = path.join(dir, 'fifo-idx3-ubyte');
  execFileSync('mkfifo', [fifo]);
  const pair = (x: string): DataSpec => ({ train: { x, y: labels } });
  return [
    { name: 'gzip IDX: 600 images declared, 1.2 GB inflated', data: pair('bomb-idx3-ubyte.gz') },
    { name: 'NPZ entry announcing 1.2 GB', data: { npz: 'honest.npz' } },
    { name: 'NPZ entry announcing 470 KB, inflating to 1.2 GB', data: { npz: 'lying.npz' } },
    { name: 'raw IDX: 600 images declared, 1.2 GB long', data: pair('long-idx3-ubyte') },
    { name: 'IDX header with 255 dimensions', data: pair('dims-idx') },
    { name: '/dev/zero as inputs', data: pair('/dev/zero') },
    { name: 'a FIFO as inputs', data: pair('fifo-idx3-ubyte') },
  ];
}

/** In the child: load one probe, print the message and the peak RSS as JSON. */
async function probe(dir: string, dataJson: string): Promise<void> {
  const { loadDataset } = await import('../src/core/data/load');
  let message = 'not refused';
  try {
    await loadDataset(JSON.parse(dataJson) as DataSpec, { baseDir: dir, allowDownload: false });
  } catch (e) {
    message = (e as Error).message;
  }
  console.log(JSON.stringify({ message, peakRssMB: process.resourceUsage().maxRSS / 1024 }));
}

export async function run(): Promise<object> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-bombs-'));
  const results: { probe: string; peakRssMB: number; seconds: number; message: string }[] = [];
  try {
    for (const p of buildProbes(dir)) {
      const t0 = Date.now();
      const child = spawnSync(process.execPath, [__filename, '--probe', dir, JSON.stringify(p.data)], { encoding: 'utf8', timeout: 120_000 });
      const seconds = (Date.now() - t0) / 1000;
      const out = child.error ? { message: `BLOCKED or crashed (${child.error.message})`, peakRssMB: NaN } : (JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}') as { message: string; peakRssMB: number });
      results.push({ probe: p.name, peakRssMB: Math.round(out.peakRssMB), seconds, message: out.message.replace(dir + path.sep, '') });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const r of results) console.log(`${r.probe.padEnd(50)} ${String(r.peakRssMB).padStart(5)} MB  ${r.seconds.toFixed(1).padStart(5)} s  ${r.message.slice(0, 110)}`);
  const worst = Math.max(...results.map((r) => r.peakRssMB));
  console.log(JSON.stringify({ worstPeakRssMB: worst, results }));
  const bad = results.filter((r) => !(r.peakRssMB < 1000) || r.message === 'not refused');
  if (bad.length) throw new Error(`bomb probes not refused under 1 GB: ${bad.map((r) => r.probe).join('; ')}`);
  return { worstPeakRssMB: worst, results };
}

if (require.main === module) {
  const at = process.argv.indexOf('--probe');
  (at >= 0 ? probe(process.argv[at + 1], process.argv[at + 2]) : run()).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
