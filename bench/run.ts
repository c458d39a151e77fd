/**
 * `npm run bench [-- <filter>...]`: runs the benchmarks listed in BENCHES, in order, and prints
 * each one's output. A filter runs only the benchmarks whose name contains it (`npm run bench -- core`).
 *
 * To add a benchmark: make `bench/<file>.ts` export `async function run(): Promise<object>`
 * (it prints its own output and returns its figures), then add a line to BENCHES, e.g.
 *   { name: 'matmul', load: () => import('./matmulBench') },
 */

interface BenchModule {
  run(): Promise<object>;
}

interface Bench {
  /** Short name, matched by the command-line filter. */
  name: string;
  /** Loads the module lazily, so a filtered run does not load the other benchmarks' dependencies. */
  load: () => Promise<BenchModule>;
}

export const BENCHES: readonly Bench[] = [
  { name: 'core', load: () => import('./coreBench') },
  { name: 'editor', load: () => import('./editorBench') },
  { name: 'train', load: () => import('./trainBench') },
  { name: 'speed', load: () => import('./speedBench') },
  { name: 'health', load: () => import('./healthBench') },
  { name: 'data', load: () => import('./dataBench') },
  { name: 'bombs', load: () => import('./bombBench') },
];

async function main(argv: readonly string[]): Promise<number> {
  const filters = argv.filter((a) => !a.startsWith('-')).map((a) => a.toLowerCase());
  const selected = filters.length ? BENCHES.filter((b) => filters.some((f) => b.name.toLowerCase().includes(f))) : BENCHES;
  if (!selected.length) {
    console.error(`No benchmark matches ${filters.map((f) => JSON.stringify(f)).join(', ')}. Benchmarks: ${BENCHES.map((b) => b.name).join(', ')}.`);
    return 2;
  }
  let failed = 0;
  for (const bench of selected) {
    console.log(`\n=== ${bench.name} ===`);
    const t0 = Date.now();
    try {
      const mod = await bench.load();
      await mod.run();
      console.log(`=== ${bench.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s ===`);
    } catch (e) {
      failed++;
      console.error(`=== ${bench.name}: FAILED after ${((Date.now() - t0) / 1000).toFixed(1)} s ===`);
      console.error(e);
    }
  }
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
