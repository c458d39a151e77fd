/**
 * "Model Spec: Import from Keras..." end to end in a real VS Code (code-server): the active
 * Python editor from the command palette, then an .h5 model from the Explorer's context menu,
 * whose weights the spec names in `initial_weights`; the editor then reports that file once it
 * is gone; and Export to Keras... on a trained run in the panel's Runs list. Run alone with `npm run test:e2e -- --spec out/test/e2e/importKeras.e2e.js`.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import type { Locator } from 'playwright-core';
import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../../src/core/analyze';
import { ROOT, codeServerSession } from './session';
import { eventually, type Workbench } from './workbench';

/**
 * Writes `file` as a legacy Keras .h5 model (4 -> Dense 3 relu -> Dense 2 softmax) with the
 * project's writer, in a child process: the session's `prepare` is synchronous.
 */
function writeH5Model(file: string): void {
  const out = path.join(ROOT, 'out', 'src', 'core');
  execFileSync(process.execPath, ['-e', `
    const { resolveSpec } = require(${JSON.stringify(path.join(out, 'resolve.js'))});
    const { writeLegacyH5 } = require(${JSON.stringify(path.join(out, 'keras', 'kerasWriters.js'))});
    const r = resolveSpec(JSON.stringify({ layers: [{ type: 'Input', shape: [4] }, { type: 'Dense', units: 3, activation: 'relu' }, { type: 'Dense', units: 2, activation: 'softmax' }],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] } }));
    const w = (n) => ({ shape: n, data: Float32Array.from({ length: n.reduce((a, b) => a * b, 1) }, (_, i) => i / 10) });
    writeLegacyH5(${JSON.stringify(file)}, r.spec, [[w([4, 3]), w([3])], [w([3, 2]), w([2])]]).catch((e) => { console.error(e); process.exit(1); });
  `], { stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * The item `name` of `row`'s context menu, right-clicking again (up to 3 times) when the menu that
 * opened is another row's: the Explorer can re-sort under the pointer as a file appears. The
 * Explorer focuses the row it opens a menu for; a neighbour with the same item (another Keras
 * file) would otherwise import the wrong file.
 */
async function contextMenuItem(row: Locator, name: string): Promise<Locator> {
  const page = row.page();
  const item = page.locator('.context-view .action-item', { hasText: name });
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    try {
      await item.waitFor({ timeout: 5_000 });
      if (!(await row.evaluate((el) => el.classList.contains('focused')))) throw new Error(`the context menu that opened is not ${await row.innerText()}'s`);
      return item;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

describe('Model Spec in VS Code (code-server): Import from Keras', function () {
  this.timeout(120_000);
  let workspace = '';
  const session = codeServerSession('import-keras', (ws) => {
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'keras', 'mnist_convnet.py'), path.join(ws, 'mnist_convnet.py'));
    writeH5Model(path.join(ws, 'mlp.h5'));
    // A trained run for Export to Keras...: one epoch on 64 images, by the CLI the extension ships beside.
    fs.writeFileSync(path.join(ws, 'tiny.model.json'), JSON.stringify({
      data: { dataset: 'mnist', scale: 255, limit: 64, validation: { first: 16 } },
      layers: [{ type: 'Input', shape: [28, 28] }, { type: 'Flatten' }, { type: 'Dense', units: 8, activation: 'relu' }, { type: 'Dense', units: 10, activation: 'softmax' }],
      compile: { loss: 'sparse_categorical_crossentropy', optimizer: 'adam', metrics: ['accuracy'] },
      fit: { epochs: 1, batch_size: 16 },
    }, null, 2));
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'train', 'tiny.model.json', '--runs-dir', 'runs'], { cwd: ws, stdio: 'ignore' });
  });
  let wb: Workbench;
  before(() => {
    ({ wb, workspace } = session());
  });

  const toast = (text: string | RegExp) => wb.page.locator('.notifications-toasts .notification-toast', { hasText: text });

  it('imports the active Python file from the command palette: the spec opens and validates', async () => {
    await wb.openFile('mnist_convnet.py');
    await wb.command('Model Spec: Import from Keras...');
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'mnist_convnet.model.json' }).waitFor();
    await toast(/Imported mnist_convnet\.py into mnist_convnet\.model\.json\./).waitFor();
    const text = fs.readFileSync(path.join(workspace, 'mnist_convnet.model.json'), 'utf8');
    assert.match(text, /"type": "Conv2D"/);
    assert.deepStrictEqual(analyze(text).diagnostics.filter((d) => d.severity === 'error'), []);
    await wb.statusItem(/^Model Spec$/).waitFor();
    await wb.screenshot('imported-python');
  });

  it('imports an .h5 model from the Explorer context menu, with its weights as initial_weights', async () => {
    // The spec the test before wrote must be in the tree first: its row appearing re-sorts the tree.
    const rowOf = (name: string) => wb.page.locator('.explorer-folders-view .monaco-list-row', { hasText: name });
    await rowOf('mnist_convnet.model.json').waitFor();
    await (await contextMenuItem(rowOf('mlp.h5'), 'Import from Keras...')).click();
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'mlp.model.json' }).waitFor();
    await toast('Imported mlp.h5 into mlp.model.json.').waitFor();
    const spec = await eventually(() => {
      const f = path.join(workspace, 'mlp.model.json');
      return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined;
    }, 'mlp.model.json');
    assert.match(spec, /"initial_weights": "mlp\.h5"/);
    assert.match(spec, /"units": 3/);
    await wb.screenshot('imported-h5');
  });

  it('reports the initial_weights file in Problems once it is gone', async () => {
    fs.renameSync(path.join(workspace, 'mlp.h5'), path.join(workspace, 'moved.h5'));
    // Any edit re-validates the spec, which checks its initial_weights file again.
    await wb.focusEditor();
    await wb.page.keyboard.press('Control+End');
    await wb.page.keyboard.press('Enter');
    await wb.editor.locator('.squiggly-error').first().waitFor();
    await wb.page.keyboard.press('Control+Shift+M');
    const entry = wb.problems.filter({ hasText: 'initial_weights mlp.h5: there is no file' });
    await entry.waitFor();
    assert.match(await entry.innerText(), /initial-weights/);
    await wb.screenshot('missing-initial-weights');
  });

  it("exports the trained run to .keras from the panel's Runs list", async () => {
    const [run] = fs.readdirSync(path.join(workspace, 'runs', 'tiny'));
    const target = path.join(workspace, 'runs', 'tiny', `${run}.keras`);
    await wb.openFile('tiny.model.json');
    await wb.command('Model Spec: Show Training Panel');
    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await panel.getByRole('tab', { name: 'Runs' }).click();
    await panel.getByTestId('runs-table').getByRole('button', { name: 'Export to Keras\u2026' }).click();
    await wb.page.locator('.quick-input-widget:not(.quick-input-widget-closing)', { hasText: '.h5' }).waitFor();
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Keras 3' }).click();
    // The save dialog (VS Code's own in a browser) offers the file beside the run folder.
    await wb.page.waitForFunction(`document.querySelector('.quick-input-widget input')?.value.endsWith(${JSON.stringify(`${run}.keras`)})`);
    await wb.screenshot('export-save-dialog');
    await wb.quickInput.press('Enter');
    await toast(`Exported ${run} to ${target}.`).waitFor({ timeout: 60_000 });
    const bytes = fs.readFileSync(target);
    assert.deepStrictEqual([...bytes.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'a zip archive');
    await wb.screenshot('exported-keras');
  });
});
