// Compiles the fused training kernel (src/kernel/*.c: the Dense stack and the convolutional
// front, one module) to dist/kernel.wasm with clang's wasm32 target. Runs from esbuild.js on every build. Self-contained: no libc, no imports.
// The toolchain is Debian's clang and lld (`.ci/run` installs them when missing).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const KERNEL_DIR = path.join(__dirname, '..', 'src', 'kernel');
const SOURCES = ['dense.c', 'front.c'].map((f) => path.join(KERNEL_DIR, f));
/** Everything the build reads: a change to any of these rebuilds the kernel. */
const INPUTS = [...SOURCES, path.join(KERNEL_DIR, 'kernel.h'), __filename];
const OUT = path.join(__dirname, '..', 'dist', 'kernel.wasm');

/** The first clang on PATH (Debian installs versioned names too). */
function findClang() {
  for (const name of ['clang', 'clang-16', 'clang-15', 'clang-14']) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // try the next name
    }
  }
  throw new Error('clang not found: the training kernel needs clang and lld (Debian: apt-get install -y clang lld).');
}

/** Builds dist/kernel.wasm unless it is newer than its sources and these build flags. */
function buildKernel() {
  const inputs = Math.max(...INPUTS.map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(OUT) && fs.statSync(OUT).mtimeMs >= inputs) return OUT;
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  execFileSync(findClang(), [
    '--target=wasm32', '-msimd128', '-mbulk-memory', '-matomics', '-mmutable-globals', '-O3', '-nostdlib', '-ffreestanding', '-fno-builtin',
    '-Wall', '-Werror',
    '-Wl,--no-entry', '-Wl,--export-dynamic', '-Wl,--strip-all',
    // One shared memory for the calling thread and its workers, created by the caller with room
    // for the whole training set; each worker gets its own stack through __stack_pointer.
    '-Wl,--import-memory', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296',
    '-Wl,-z,stack-size=65536', '-Wl,--export=__stack_pointer',
    '-o', OUT, ...SOURCES,
  ], { stdio: 'inherit' });
  return OUT;
}

module.exports = { buildKernel };

if (require.main === module) buildKernel();
