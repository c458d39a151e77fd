/** The layering the README promises: the core never sees `vscode`, the extension never loads TensorFlow.js. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from '../helpers';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `import ... from 'vscode'`, `import 'vscode'`, `require('vscode')`, `import('vscode')`; not `vscode-json-languageservice`. */
const IMPORTS_VSCODE = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]vscode['"]/;

describe('layering', () => {
  for (const dir of ['src/core', 'src/editor', 'src/trainer', 'src/cli', 'src/host', 'src/shared']) {
    it(`${dir} does not import vscode`, () => {
      const files = sources(path.join(ROOT, dir));
      assert.ok(files.length > 0, `no sources found in ${dir}`);
      const offenders = files.filter((f) => IMPORTS_VSCODE.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(ROOT, f));
      assert.deepStrictEqual(offenders, []);
    });
  }

  it('the pattern catches each way of importing vscode', () => {
    for (const line of ["import * as vscode from 'vscode';", 'import type { Uri } from "vscode";', "const v = require('vscode');", "await import('vscode')", "import 'vscode';"]) {
      assert.ok(IMPORTS_VSCODE.test(line), line);
    }
    assert.ok(!IMPORTS_VSCODE.test("import { getLanguageService } from 'vscode-json-languageservice';"));
  });

  it('one source file starts trainer processes: the trainer client the CLI and the extension share', () => {
    const forking = sources(path.join(ROOT, 'src')).filter((f) => /\bfork\s*\(/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(ROOT, f));
    assert.deepStrictEqual(forking, [path.join('src', 'host', 'trainerClient.ts')]);
  });

  it('the Keras-style log renderer imports no Node module (the webview bundle uses it)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)) {
        assert.ok(spec.startsWith('.'), `${path.relative(ROOT, file)} imports ${spec}`);
        visit(path.resolve(path.dirname(file), spec) + '.ts');
      }
    };
    visit(path.join(ROOT, 'src', 'shared', 'kerasLog.ts'));
    assert.ok(seen.size >= 3, [...seen].join(', '));
  });

  it('the extension bundle does not load TensorFlow.js (activation must stay fast)', () => {
    const bundle = path.join(ROOT, 'dist', 'extension.js');
    assert.ok(fs.existsSync(bundle), 'dist/extension.js is missing: run `node esbuild.js` first (npm test does)');
    const requires = [...fs.readFileSync(bundle, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    assert.deepStrictEqual(requires.filter((r) => r.startsWith('@tensorflow')), []);
    assert.ok(requires.includes('vscode'), 'expected the bundle to require vscode');
  });
});
