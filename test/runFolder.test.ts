import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RunFolder, slug } from '../src/trainer/runFolder';

describe('run folder names and callback paths', () => {
  it('cleans names: short, never a Windows device name', () => {
    assert.strictEqual(slug('he_normal + elu'), 'he_normal-elu');
    assert.ok(slug('x'.repeat(300)).length <= 80);
    for (const n of ['CON', 'nul', 'COM1', 'lpt9', 'aux.txt', 'PRN']) assert.notStrictEqual(slug(n).toLowerCase(), n.toLowerCase(), n);
    assert.strictEqual(slug('CONSOLE'), 'CONSOLE');
    assert.strictEqual(slug('\u001b[2J'), '2J');
  });

  it('makes a folder for a 300-character spec name, and callback paths get their parent folders', () => {
    const runs = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-runs-'));
    const run = new RunFolder(runs, 'a'.repeat(300), 'CON');
    try {
      assert.ok(fs.statSync(run.dir).isDirectory());
      const p = run.inside('logs/deep/train.csv');
      assert.ok(fs.statSync(path.dirname(p)).isDirectory());
      for (const bad of ['spec.json', 'History.csv/x', 'model/best', '.', '../x']) assert.throws(() => run.inside(bad), /run/, bad);
    } finally {
      run.close();
      fs.rmSync(runs, { recursive: true, force: true });
    }
  });
});
