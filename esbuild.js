// Bundles the CLI and the trainer (and later the extension) into dist/.
// Type checking is a separate step (`tsc -p .`), as in the esbuild-sample.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { buildKernel } = require('./scripts/buildKernel');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Entry points: one bundle each. The trainer is its own entry because it runs as a child process. */
const entries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/trainer/main.ts', out: 'trainer' },
  { in: 'src/extension/extension.ts', out: 'extension' },
].filter((e) => fs.existsSync(e.in));

/**
 * The training panel's webview: a browser bundle (script and stylesheet, uPlot's CSS included)
 * loaded under a strict CSP, so everything it uses is bundled. Its own build: the node entries
 * above are CommonJS for node, this one is an IIFE for Chromium.
 */
const webview = {
  entryPoints: [
    { in: 'webview/main.ts', out: 'panel' },
    { in: 'webview/panel.css', out: 'panel' },
  ],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // VS Code 1.90's Electron runs Chromium 122.
  target: 'chrome120',
  outdir: 'dist/webview',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

async function main() {
  // The fused training kernel (C -> dist/kernel.wasm); the trainer loads it beside its bundle.
  buildKernel();
  const webviewCtx = await esbuild.context(webview);
  const ctx = await esbuild.context({
    entryPoints: entries,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outdir: 'dist',
    sourcemap: !production,
    minify: production,
    // TensorFlow.js stays in node_modules: the optional tfjs-node registers its backend on the
    // tfjs-core it requires, so ours must be that same module instance, not a bundled copy.
    // The wasm backend also finds its .wasm binaries beside its own package.
    external: ['vscode', '@tensorflow/*'],
    // jsonc-parser's UMD main cannot be bundled; its ESM build can.
    mainFields: ['module', 'main'],
    logLevel: 'warning',
  });
  if (watch) {
    await Promise.all([ctx.watch(), webviewCtx.watch()]);
  } else {
    await Promise.all([ctx.rebuild(), webviewCtx.rebuild()]);
    await Promise.all([ctx.dispose(), webviewCtx.dispose()]);
    const cli = path.join(__dirname, 'dist/cli.js');
    if (fs.existsSync(cli)) {
      const src = fs.readFileSync(cli, 'utf8');
      if (!src.startsWith('#!')) fs.writeFileSync(cli, '#!/usr/bin/env node\n' + src);
      fs.chmodSync(cli, 0o755);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
