/**
 * TensorFlow.js backend selection for the trainer.
 *
 * Order for `auto`: tfjs-node (native libtensorflow, fastest, optional dependency that often
 * cannot install) → wasm (XNNPACK, SIMD, threads when possible) → cpu (pure JavaScript).
 *
 * `@tensorflow/*` stays external in our bundles, so `require('@tensorflow/tfjs-node')` resolves
 * from node_modules and registers its backend on the same tfjs-core instance we import here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { installConvGradients } from './convGradients';
import { installFastWasmMatMul } from './wasmMatMul';

import { BACKENDS, choiceNames } from '../core/registry/training';
import type { BackendChoice } from '../shared/trainerProtocol';

/** What the user asked for (`--backend`); defined with the protocol, which carries it. */
export type { BackendChoice };

/** The backend actually in use, and a one-line human explanation of why. */
export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** E.g. "tfjs-node not installed: using wasm (SIMD, 2 threads)". */
  reason: string;
  /** wasm only: XNNPACK thread-pool size (1 = no worker threads). */
  threads?: number;
  /** wasm only: whether the SIMD build runs. */
  simd?: boolean;
}

/** Tuning knobs for {@link initBackend}; the defaults are what the trainer should use. */
export interface InitBackendOptions {
  /**
   * wasm thread-pool size. Default: half the cores, at most 4 (1 on a 2-core machine); see
   * defaultWasmThreads for the measurements. 1 uses the plain SIMD build with no worker
   * threads; more uses the threaded-SIMD build. Only the first wasm initialization in a
   * process applies it: the wasm backend cannot be restarted with another binary.
   */
  wasmThreads?: number;
}

/** Outcome of trying to load tfjs-node. */
export type TfjsNodeProbe =
  | { status: 'loaded' }
  | { status: 'missing' }
  | { status: 'failed'; message: string };

/** The subset of Node's `require` that {@link probeTfjsNode} needs (injectable for tests). */
export interface RequireLike {
  (id: string): unknown;
  resolve(id: string): string;
}

const TFJS_NODE = '@tensorflow/tfjs-node';

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].trim();
}

/**
 * Tries to load tfjs-node, distinguishing "not installed" (package not resolvable) from
 * "installed but failed to load" (typically the native binding or libtensorflow is missing,
 * e.g. because its install script could not download it).
 */
export function probeTfjsNode(req: RequireLike = require): TfjsNodeProbe {
  try {
    req.resolve(TFJS_NODE);
  } catch (e) {
    // A package directory whose entry point does not resolve is a broken install, not a
    // missing one.
    try {
      req.resolve(`${TFJS_NODE}/package.json`);
    } catch {
      return { status: 'missing' };
    }
    return { status: 'failed', message: firstLine(e) };
  }
  try {
    req(TFJS_NODE);
  } catch (e) {
    return { status: 'failed', message: firstLine(e) };
  }
  // A tfjs-node with its own nested tfjs-core registers 'tensorflow' there, not on ours.
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      status: 'failed',
      message:
        'it did not register the "tensorflow" backend on our @tensorflow/tfjs-core ' +
        `(version mismatch? ours is ${tf.version_core})`,
    };
  }
  return { status: 'loaded' };
}

function tensorflowUnavailableError(probe: TfjsNodeProbe): Error {
  const fix =
    `Install it with \`npm install ${TFJS_NODE}@${tf.version_core}\` (its install script ` +
    'downloads libtensorflow, so it needs network access and a supported platform), ' +
    'or use --backend wasm (or auto).';
  if (probe.status === 'missing') {
    return new Error(`Backend "tensorflow" needs ${TFJS_NODE}, which is not installed. ${fix}`);
  }
  const why = probe.status === 'failed' ? probe.message : 'unknown error';
  return new Error(
    `Backend "tensorflow" needs ${TFJS_NODE}, which is installed but failed to load: ${why}. ` +
      `Reinstall it (\`npm rebuild ${TFJS_NODE}\`), or use --backend wasm (or auto).`,
  );
}

// ---------------------------------------------------------------------------------------------
// wasm

/** Directory of the installed tfjs-backend-wasm package (works from out/ and from bundles). */
function wasmPackageDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/** Minimal view of the emscripten module we build for the threaded variant. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: WorkerLike[]; unusedWorkers: WorkerLike[] };
  tfjs?: Record<string, unknown>;
}
interface WorkerLike {
  unref(): void;
  terminate(): unknown;
}
type ThreadedFactory = (config: {
  locateFile(p: string, prefix: string): string;
  mainScriptUrlOrBlob: string;
}) => Promise<ThreadedModule>;

let wasmPathsSet = false;
/** Why the last threaded attempt failed (reported in the reason). */
let threadedFailure: string | undefined;

function setStockWasmPaths(): void {
  if (wasmPathsSet) return;
  // tfjs-backend-wasm finds its .wasm next to its own JS by default, which holds while it stays
  // external to our bundles; an explicit absolute prefix also survives bundling it in.
  tfWasm.setWasmPaths(path.join(wasmPackageDir(), 'dist') + path.sep);
  wasmPathsSet = true;
}

function wasmIsInitialized(): boolean {
  return tf.engine().registry['wasm'] != null;
}

interface WasmMemoryApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: unknown };
}

/** Whether this Node can run emscripten pthreads (shared wasm memory + worker_threads). */
function threadsSupported(): boolean {
  try {
    if (typeof SharedArrayBuffer !== 'function') return false;
    // Our lib settings (ES2022, no DOM) do not declare WebAssembly; Node has it.
    const wasmApi = (globalThis as unknown as { WebAssembly: WasmMemoryApi }).WebAssembly;
    const mem = new wasmApi.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(mem.buffer instanceof SharedArrayBuffer)) return false;
    require('worker_threads');
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds a BackendWasm on the threaded-SIMD binary.
 *
 * tfjs-backend-wasm 4.22 never picks that binary in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag
 * returns false under IS_NODE, tfjs issue #3830), and forcing the flag fails: it hands
 * emscripten a `blob:` URL for the pthread worker, which Node's worker_threads rejects. So we
 * run the emscripten factory ourselves with a real worker file, as its own init() would.
 */
async function createThreadedWasmBackend(threads: number): Promise<tf.KernelBackend> {
  const dir = wasmPackageDir();
  // String literals, so bundlers see (and keep external) these deep imports.
  const factory =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js') as ThreadedFactory;
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js') as {
      wasmWorkerContents: string;
    };
  const mainScript = require.resolve(
    '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
  );
  const wasmBinary = path.join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm');

  // The worker source is shipped as a JS string; tfjs escapes its newlines the same way before
  // turning it into a Blob (string literals in it contain "\n").
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-wasm-'));
  const workerFile = path.join(tmp, 'tfjs-backend-wasm-threaded-simd.worker.js');
  fs.writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  process.once('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

  // The C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes
  // hyper-threading), which Node computes as os.cpus().length / 2 while the module's static
  // constructors run: 1 thread on a 2-core machine. Report 2 * threads cores during init only.
  // Patch the real module object: `import * as os` may be a read-only interop copy.
  const osModule = require('os') as { cpus: () => os.CpuInfo[] };
  const realCpus = osModule.cpus;
  osModule.cpus = () => {
    const cpus = realCpus();
    while (cpus.length > 0 && cpus.length < 2 * threads) cpus.push(cpus[0]);
    return cpus;
  };
  let module: ThreadedModule;
  try {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out starting wasm worker threads')), 20000);
    });
    try {
      module = await Promise.race([
        factory({
          locateFile: (p, prefix) =>
            p.endsWith('.worker.js') ? workerFile : p.endsWith('.wasm') ? wasmBinary : prefix + p,
          mainScriptUrlOrBlob: mainScript,
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    osModule.cpus = realCpus;
  }

  // Same bridge as tfjs-backend-wasm's init() sets up.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  tfWasm.setThreadsCount(threads);
  // The constructor creates the XNNPACK thread pool (threads - 1 workers + the main thread).
  const backend = new tfWasm.BackendWasm(
    module as unknown as ConstructorParameters<typeof tfWasm.BackendWasm>[0],
  );
  const pthread = module.PThread;
  if (pthread !== undefined) {
    // Emscripten pre-spawns 8 workers; free the ones the pool did not take (a V8 isolate each).
    for (const w of pthread.unusedWorkers) void w.terminate();
    pthread.unusedWorkers.length = 0;
    // Pool threads are ref'd workers that never finish: without unref the process (a trainer
    // child, mocha) would not exit when its work is done.
    for (const w of pthread.runningWorkers) w.unref();
  }
  return backend;
}

function describeWasm(): { threads: number; simd: boolean; text: string } {
  const threads = tfWasm.getThreadsCount();
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const parts = [simd ? 'SIMD' : 'no SIMD', `${threads} thread${threads === 1 ? '' : 's'}`];
  return { threads, simd, text: `wasm (${parts.join(', ')})` };
}

/**
 * Default wasm pool size: half the logical cores (the same heuristic as tfjs-backend-wasm's
 * C++ default, which assumes hyper-threading), at most 4, so at least one core stays free.
 *
 * Why not every core: XNNPACK splits each op across the pool and waits for all threads, so one
 * pool thread on a busy core stalls every op. Measured on a 2-core VM (MLP 784-300-200-100-10,
 * batch 32, fast matmul): idle machine, 2 threads 6,094 vs 1 thread 5,116 samples/s (+19%);
 * with other processes busy, 2 threads fell to 1,500-2,100 while 1 thread held 4,660-5,080.
 * The trainer shares the machine with VS Code, so on 2 cores this picks 1 (plain SIMD binary).
 */
function defaultWasmThreads(): number {
  const cores =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(Math.floor(cores / 2), 4));
}

/** Initializes wasm (threaded SIMD when it helps and works, else the stock binary). */
async function initWasm(threads: number): Promise<BackendInfo> {
  if (!wasmIsInitialized()) {
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
    threadedFailure = undefined;
    if (threads > 1 && !simd) {
      threadedFailure = 'the threaded build needs wasm SIMD';
    } else if (threads > 1 && !threadsSupported()) {
      threadedFailure = 'no shared WebAssembly memory or worker_threads in this Node';
    } else if (threads > 1) {
      const stockFactory = tf.findBackendFactory('wasm');
      try {
        const backend = await createThreadedWasmBackend(threads);
        tf.removeBackend('wasm');
        tf.registerBackend('wasm', () => backend, 2);
      } catch (e) {
        threadedFailure = firstLine(e);
        if (tf.findBackendFactory('wasm') == null && stockFactory != null) {
          tf.registerBackend('wasm', stockFactory, 2);
        }
      }
    }
    setStockWasmPaths();
  }
  installFastWasmMatMul();
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (e) {
    throw new Error(`wasm backend failed to initialize: ${firstLine(e)}`);
  }
  if (!ok) throw new Error('wasm backend failed to initialize (see the warning above)');
  const d = describeWasm();
  const note = threadedFailure !== undefined ? `; threads unavailable: ${threadedFailure}` : '';
  return { name: 'wasm', reason: d.text + note, threads: d.threads, simd: d.simd };
}

async function initCpu(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialize');
  // The cpu backend prints an "install our node backend" banner on first use; every run
  // already reports its backend and why, so the banner is noise in logs and CLI output.
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

/**
 * Selects and initializes the TensorFlow.js backend.
 *
 * - `auto`: tfjs-node if it loads, else wasm, else cpu; `reason` says why
 *   (e.g. "tfjs-node not installed: using wasm (SIMD, 2 threads)").
 * - `tensorflow`: tfjs-node or an Error explaining why it is unavailable and how to fix it —
 *   never a silent fallback.
 * - `wasm`: the wasm backend with the fast transposed-matmul kernel installed
 *   (see ./wasmMatMul); throws if it cannot start.
 * - `cpu`: the pure-JavaScript backend (slowest; for reference and debugging).
 */
export async function initBackend(
  choice: BackendChoice,
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const threads = Math.max(1, Math.floor(options.wasmThreads ?? defaultWasmThreads()));
  installConvGradients();
  switch (choice) {
    case 'cpu':
      await initCpu();
      return { name: 'cpu', reason: 'cpu requested: pure-JavaScript backend (slowest)' };
    case 'wasm': {
      const info = await initWasm(threads);
      return { ...info, reason: `wasm requested: using ${info.reason}` };
    }
    case 'tensorflow': {
      const probe = probeTfjsNode();
      if (probe.status !== 'loaded') throw tensorflowUnavailableError(probe);
      if (!(await tf.setBackend('tensorflow'))) {
        throw tensorflowUnavailableError({
          status: 'failed',
          message: 'the "tensorflow" backend did not initialize',
        });
      }
      return { name: 'tensorflow', reason: 'tensorflow requested: using tfjs-node (native)' };
    }
    case 'auto': {
      const probe = probeTfjsNode();
      if (probe.status === 'loaded' && (await tf.setBackend('tensorflow'))) {
        return { name: 'tensorflow', reason: 'tfjs-node loaded: using tensorflow (native)' };
      }
      const nodeWhy =
        probe.status === 'missing'
          ? 'tfjs-node not installed'
          : probe.status === 'failed'
            ? `tfjs-node installed but failed to load (${probe.message})`
            : 'tfjs-node loaded but its backend did not initialize';
      try {
        const info = await initWasm(threads);
        return { ...info, reason: `${nodeWhy}: using ${info.reason}` };
      } catch (e) {
        await initCpu();
        return {
          name: 'cpu',
          reason: `${nodeWhy}; ${firstLine(e)}: using cpu (pure JavaScript, slow)`,
        };
      }
    }
    default: {
      const never: never = choice;
      throw new Error(`unknown backend "${String(never)}" (expected one of ${choiceNames(BACKENDS).join(', ')})`);
    }
  }
}
