/**
 * The folders are organised by where code runs; these rules keep them so. Imports are read
 * with TypeScript's own pre-processor, not patterns.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(rel));
    else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** What a file imports: npm package names, or repository paths (without extension) for relative imports. */
function imports(file: string): string[] {
  const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: f }) => (f.startsWith('.') ? path.posix.join(path.posix.dirname(file), f) : f));
}

/** The files under `dir` that import something `forbidden` says no to, as "file -> import" lines. */
function violations(dir: string, forbidden: (target: string) => boolean): string[] {
  return sources(dir).flatMap((file) => imports(file).filter(forbidden).map((target) => `${file} -> ${target}`));
}

const under = (...dirs: string[]) => (target: string): boolean => dirs.some((d) => target === d || target.startsWith(d + '/'));
const npm = (...names: string[]) => (target: string): boolean => names.some((n) => target === n || target.startsWith(n + '/'));
const either = (...tests: ((t: string) => boolean)[]) => (target: string): boolean => tests.some((t) => t(target));

describe('folder boundaries', () => {
  it('src/core imports neither vscode, nor TensorFlow.js, nor the trainer, editor, extension, CLI, host or shared code', () => {
    assert.deepStrictEqual(violations('src/core', either(npm('vscode', '@tensorflow'), under('src/trainer', 'src/editor', 'src/extension', 'src/cli', 'src/host', 'src/panel', 'src/shared', 'webview'))), []);
  });

  it('the trainer never imports vscode, nor the editor, extension, CLI, host or panel code', () => {
    assert.deepStrictEqual(violations('src/trainer', either(npm('vscode'), under('src/editor', 'src/extension', 'src/cli', 'src/host', 'src/panel', 'webview'))), []);
  });

  it('host code (the trainer client) runs in the CLI and the extension host: no vscode', () => {
    assert.deepStrictEqual(violations('src/host', either(npm('vscode'), under('src/extension', 'src/cli', 'src/trainer', 'webview'))), []);
  });

  it('src/shared runs everywhere, the webview included: no vscode, no Node modules, nothing but core types and itself', () => {
    const node = (t: string): boolean => !t.startsWith('src/') && !t.startsWith('webview') && !t.startsWith('.');
    assert.deepStrictEqual(violations('src/shared', either(node, under('src/trainer', 'src/host', 'src/cli', 'src/extension', 'src/editor', 'src/panel', 'webview'))), []);
  });

  it('the editor features never import vscode or the trainer', () => {
    assert.deepStrictEqual(violations('src/editor', either(npm('vscode', '@tensorflow'), under('src/trainer', 'src/extension', 'src/cli', 'src/host'))), []);
  });

  it('the webview imports only its own files, its protocol and the code shared with it', () => {
    const allowed = either(under('webview', 'src/panel', 'src/shared'), npm('uplot', '@vscode/webview-ui-toolkit'));
    assert.deepStrictEqual(violations('webview', (t) => !allowed(t)), []);
  });

  it('only webview/ui.ts imports the archived webview UI toolkit', () => {
    assert.deepStrictEqual(violations('webview', npm('@vscode/webview-ui-toolkit')).filter((v) => !v.startsWith('webview/ui.ts ')), []);
  });
});
