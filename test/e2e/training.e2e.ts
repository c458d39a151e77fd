/**
 * Issue #5 end to end: "Model Spec: Train Model" in a real VS Code (code-server) on a small
 * slice of real MNIST: the progress notification, the panel's summary and chart points, the run
 * folder, then "Stop Training" mid-run and a consistent run marked cancelled.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, codeServerSession } from './session';
import { eventually, type Workbench } from './workbench';

const SPEC = 'examples/mnist-initializers.model.json';
const QUICK = 'examples/quick.model.json';

/** The run folders of the example spec in the workspace's runs folder. */
function runFolders(workspace: string): string[] {
  const dir = path.join(workspace, 'runs', 'mnist-initializers');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((d) => path.join(dir, d)) : [];
}

describe('Model Spec in VS Code (code-server): training', function () {
  this.timeout(120_000);
  let workspace = '';
  const session = codeServerSession('training', (ws) => {
    for (const dir of ['examples', 'schemas']) fs.cpSync(path.join(ROOT, dir), path.join(ws, dir), { recursive: true });
    // A slice of real MNIST: 20,000 training images, many epochs, so Stop lands mid-run even with
    // the fused kernel (about a second per epoch).
    const file = path.join(ws, SPEC);
    const text = fs.readFileSync(file, 'utf8')
      .replace('"validation": { "first": 5000 } }', '"validation": { "first": 1000 }, "limit": 20000 }')
      .replace('"epochs": 10', '"epochs": 200');
    assert.ok(text.includes('"limit": 20000') && text.includes('"epochs": 200'), 'the example spec changed: update this test');
    fs.writeFileSync(file, text);
    // The same five variants on a tiny slice, to train them all to the end.
    const quick = text.replace('"name": "mnist-initializers"', '"name": "quick-initializers"')
      .replace('"limit": 20000', '"limit": 500').replace('"epochs": 200', '"epochs": 2');
    fs.writeFileSync(path.join(ws, QUICK), quick);
  });
  let wb: Workbench;
  before(() => {
    ({ wb, workspace } = session());
  });

  it('trains a variant from the command palette with progress and a live panel', async () => {
    await wb.openFile(SPEC);
    // The spec has variants: Train Model asks which.
    await wb.command('Model Spec: Train Model', 'Train which variant?');
    await wb.quickInput.fill('glorot_normal');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'glorot_normal' }).first().waitFor();
    await wb.page.keyboard.press('Enter');

    const toast = wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'Training mnist-initializers' });
    await toast.waitFor({ timeout: 60_000 });
    await toast.filter({ hasText: /epoch \d+\/200/ }).waitFor({ timeout: 60_000 });
    await wb.statusItem(/mnist-initializers/).waitFor();

    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await panel.locator('[data-testid="summary-table"]', { hasText: '235,500' }).waitFor({ timeout: 60_000 });
    const loss = panel.locator('figure.chart[data-metric="loss"]');
    await loss.waitFor();
    // Two epochs: a train and a validation point each.
    await eventually(async () => (Number(await loss.getAttribute('data-epoch-points')) >= 4 ? true : undefined), 'two epochs on the loss chart');
    assert.ok(Number(await loss.getAttribute('data-batch-points')) > 0, 'the faint per-batch line has points');
    const runs = await eventually(() => { const r = runFolders(workspace); return r.length ? r : undefined; }, 'the run folder');
    assert.strictEqual(runs.length, 1);
    assert.match(path.basename(runs[0]), /^\d{8}-\d{6}-glorot_normal$/);
    assert.strictEqual(await panel.locator('[data-testid="status"]').getAttribute('data-status'), 'running');
    await wb.screenshot('training');
  });

  it('stops mid-run with "Stop Training" and leaves a consistent run marked cancelled', async () => {
    await wb.command('Model Spec: Stop Training');
    const [run] = runFolders(workspace);
    const result = await eventually(() => {
      const text = fs.readFileSync(path.join(run, 'result.json'), 'utf8');
      const r = JSON.parse(text) as { status: string; epochsRun: number; history: Record<string, number[]> };
      return r.status === 'running' ? undefined : r;
    }, 'result.json to leave "running"');
    assert.strictEqual(result.status, 'cancelled');
    assert.ok(result.epochsRun >= 2 && result.epochsRun < 200, `epochs run: ${result.epochsRun}`);
    assert.strictEqual(result.history.loss.length, result.epochsRun);
    assert.ok(fs.existsSync(path.join(run, 'model', 'model.json')), 'what was learned is saved');
    const lines = fs.readFileSync(path.join(run, 'history.csv'), 'utf8').trim().split(/\r?\n/);
    assert.strictEqual(lines.length, result.epochsRun + 1, 'history.csv: header and one row per epoch');

    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await panel.locator('[data-testid="status"][data-status="cancelled"]').waitFor({ timeout: 30_000 });
    await wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'stopped' }).waitFor({ timeout: 30_000 });
    await wb.screenshot('stopped');
  });

  it('shows the run in the comparison with "Compare Variants"', async () => {
    await wb.focusEditor();
    await wb.command('Model Spec: Compare Variants');
    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    const row = panel.locator('[data-testid="compare-table"] tr[data-run-id]');
    await row.first().waitFor();
    assert.strictEqual(await row.count(), 1);
    assert.match(await row.first().innerText(), /glorot_normal/);
    await wb.screenshot('compare');
  });

  it('trains all five variants to the end, then shows the test results and the comparison', async function () {
    this.timeout(240_000);
    await wb.openFile(QUICK);
    await wb.command('Model Spec: Train All Variants');
    await wb.page.locator('.notifications-toasts .notification-toast', { hasText: 'Training quick-initializers finished: 5 runs' })
      .waitFor({ timeout: 230_000 });
    const runs = fs.readdirSync(path.join(workspace, 'runs', 'quick-initializers'));
    assert.strictEqual(runs.length, 5);
    for (const r of runs) {
      const result = JSON.parse(fs.readFileSync(path.join(workspace, 'runs', 'quick-initializers', r, 'result.json'), 'utf8'));
      assert.strictEqual(result.status, 'completed', r);
      assert.strictEqual(result.classification.matrix.flat().reduce((a: number, b: number) => a + b, 0), 10000);
    }
    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await panel.locator('[data-testid="confusion-matrix"]').waitFor();
    await panel.locator('[data-testid="mistakes"] li').first().waitFor();
    await wb.screenshot('all-variants-results');

    await wb.focusEditor();
    await wb.command('Model Spec: Compare Variants');
    const rows = panel.locator('[data-testid="compare-table"] tr[data-run-id]');
    await rows.nth(4).waitFor();
    assert.strictEqual(await rows.count(), 5);
    await wb.screenshot('all-variants-compare');

    // The panel on its own, full width: the notebook's conclusion, then what the model gets wrong.
    await wb.focusEditor();
    await wb.command('View: Close All Editors in Group');
    await wb.page.locator('.editor-group-container').nth(1).waitFor({ state: 'detached' });
    await wb.screenshot('panel-compare');
    await panel.locator('#tab-training').click();
    await panel.locator('[data-testid="confusion-matrix"]').scrollIntoViewIfNeeded();
    await wb.screenshot('panel-results');
  });
});
