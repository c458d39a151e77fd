// Compiles the fused training kernel (src/kernel/*.c: the Dense stack and the convolutional front,
// one module) to WebAssembly with clang's wasm32 target.
// Runs from esbuild.js on every build. Self-contained: no libc, no imports.
//   dist/kernel.wasm          SIMD128, for every runtime; Debian's clang and lld.
//   dist/kernel-relaxed.wasm  relaxed SIMD (fused multiply-add), when a clang that emits the
//                             standard relaxed-SIMD opcodes is there (clang 19 or later: Debian's
//                             clang-14 emits pre-standard ones that V8 rejects). The trainer
//                             loads it where the runtime validates it (kernelWasmPath).
// `.ci/run` installs the toolchains when missing.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const KERNEL = path.join(__dirname, '..', 'src', 'kernel');
const DIST = path.join(__dirname, '..', 'dist');

/** The first of `names` on PATH, or undefined. */
function firstOnPath(names) {
  for (const name of names) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

const FLAGS = [
  '--target=wasm32', '-msimd128', '-mbulk-memory', '-matomics', '-mmutable-globals', '-O3', '-nostdlib', '-ffreestanding', '-fno-builtin',
  '-Wall', '-Werror',
  '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--strip-all',
  // One shared memory for the calling thread and its workers, created by the caller with room
  // for the whole training set; each worker gets its own stack through __stack_pointer.
  '-Wl,--import-memory', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296',
  '-Wl,-z,stack-size=65536', '-Wl,--export=__stack_pointer',
];

/** Compiles `out` from the kernel's sources with `clang` and `extra` flags, unless it is newer than its inputs. */
function compile(clang, out, extra) {
  const sources = fs.readdirSync(KERNEL).filter((f) => /\.[ch]$/.test(f)).map((f) => path.join(KERNEL, f));
  const inputs = Math.max(fs.statSync(__filename).mtimeMs, ...sources.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= inputs) return;
  execFileSync(clang, [...FLAGS, ...extra, '-o', out, ...sources.filter((f) => f.endsWith('.c'))], { stdio: 'inherit' });
}

/** Builds dist/kernel.wasm (and dist/kernel-relaxed.wasm when clang 19+ is there). */
function buildKernel() {
  fs.mkdirSync(DIST, { recursive: true });
  const clang = firstOnPath(['clang', 'clang-19', 'clang-16', 'clang-15', 'clang-14']);
  if (!clang) throw new Error('clang not found: the training kernel needs clang and lld (Debian: apt-get install -y clang lld).');
  const out = path.join(DIST, 'kernel.wasm');
  compile(clang, out, []);
  const relaxed = firstOnPath(['clang-20', 'clang-19']);
  const relaxedOut = path.join(DIST, 'kernel-relaxed.wasm');
  if (relaxed) compile(relaxed, relaxedOut, ['-mrelaxed-simd', '-DRELAXED_SIMD']);
  else if (fs.existsSync(relaxedOut)) fs.rmSync(relaxedOut);  // stale: its source moved on without it
  return out;
}

module.exports = { buildKernel };

if (require.main === module) buildKernel();
