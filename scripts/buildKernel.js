// Compiles the fused training kernel (src/kernel/dense.c) to dist/kernel.wasm with clang's
// wasm32 target. Runs from esbuild.js on every build. Self-contained: no libc, no imports.
// The toolchain is Debian's clang and lld (`.ci/run` installs them when missing).
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const SOURCE = path.join(__dirname, '..', 'src', 'kernel', 'dense.c');
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

/** Builds dist/kernel.wasm unless it is newer than its source and these build flags. */
function buildKernel() {
  const inputs = Math.max(fs.statSync(SOURCE).mtimeMs, fs.statSync(__filename).mtimeMs);
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
    '-o', OUT, SOURCE,
  ], { stdio: 'inherit' });
  return OUT;
}

module.exports = { buildKernel };

if (require.main === module) buildKernel();
