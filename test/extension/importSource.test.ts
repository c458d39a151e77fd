import * as assert from 'assert';
import * as path from 'path';
import { importMessage, importSource } from '../../src/extension/importSource';

describe('Import from Keras: what the command imports', () => {
  const py = path.join('/work', 'nets', 'mnist.py');

  it('imports the selection when there is one, else the whole Python editor, into a spec beside it', () => {
    const sel = importSource({ file: py, languageId: 'python', text: 'all', selection: 'model = keras.Sequential([])' });
    assert.deepStrictEqual(sel, { kind: 'text', text: 'model = keras.Sequential([])', file: py, specPath: path.join('/work', 'nets', 'mnist.model.json'), what: 'the selection in mnist.py' });
    const all = importSource({ file: py, languageId: 'python', text: 'all', selection: '  \n' });
    assert.strictEqual(all.kind === 'text' && all.text, 'all');
    assert.strictEqual(all.kind === 'text' && all.what, 'mnist.py');
  });

  it('imports the active notebook from disk, and asks for a file otherwise', () => {
    const nb = path.join('/work', 'nb', 'Documentation.ipynb');
    assert.deepStrictEqual(importSource({ notebook: nb, file: py, languageId: 'python', text: 'x' }), { kind: 'file', file: nb, specPath: path.join('/work', 'nb', 'Documentation.model.json'), what: 'Documentation.ipynb' });
    assert.deepStrictEqual(importSource({ file: '/work/a.model.json', languageId: 'modelspec', text: '{}' }), { kind: 'pick' });
    assert.deepStrictEqual(importSource({}), { kind: 'pick' });
  });

  it('the notification says what was written and warns when something was left out or the spec has errors', () => {
    const clean = importMessage('mnist.py', '/w/mnist.model.json', { models: 1, problems: ['mnist.py:3: note: the loss ...'], errors: 0, warnings: 0 });
    assert.deepStrictEqual(clean, { text: 'Imported mnist.py into mnist.model.json.', severity: 'info' });
    const lossy = importMessage('nb.ipynb', '/w/nb.model.json', { models: 6, problems: ['nb.ipynb:40: layer type LSTM is not supported'], errors: 1, warnings: 0 });
    assert.strictEqual(lossy.severity, 'warning');
    assert.match(lossy.text, /\(6 models as variants\)\. 1 thing could not be imported \(see the log\)\. The spec has 1 error/);
  });
});
