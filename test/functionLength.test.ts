/** Functions short enough to read at once: none in src/ or webview/ is over 100 lines. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const LIMIT = 100;

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    return e.isDirectory() ? sources(rel) : rel.endsWith('.ts') && !rel.endsWith('.d.ts') ? [rel] : [];
  });
}

/** `file:line name (N lines)` for every function, method, constructor or arrow function over the limit. */
function longFunctions(file: string): string[] {
  const sf = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
      const lines = sf.getLineAndCharacterOfPosition(n.getEnd()).line - first + 1;
      if (lines > LIMIT) out.push(`${file}:${first + 1} ${n.name?.getText(sf) ?? '(anonymous)'} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('function length', () => {
  it(`no function in src/ or webview/ is longer than ${LIMIT} lines`, () => {
    assert.deepStrictEqual([...sources('src'), ...sources('webview')].flatMap(longFunctions), []);
  });
});
