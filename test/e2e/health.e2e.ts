/**
 * Issue #12 end to end: a deep sigmoid stack with large random_normal weights (the notebook's
 * network that does not learn) trained in a real VS Code (code-server) on a slice of real MNIST;
 * the panel's Health tab shows a diagnosis, and Apply fix edits the spec in the editor with the
 * fix the trainer recorded in result.json.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { findNodeAtLocation, getNodeValue, parseTree } from 'jsonc-parser';
import type { HealthDiagnosis } from '../../src/core/health/types';
import { ROOT, codeServerSession } from './session';
import { eventually, type Workbench } from './workbench';

const SPEC = 'deep-sigmoid.model.json';

/** Five sigmoid layers over large random_normal weights: saturated, so the lower layers' gradients vanish. */
const SPEC_TEXT = `// The notebook's network that does not learn.
{
  "name": "deep-sigmoid",
  "seed": 7,
  "data": { "dataset": "mnist", "scale": 255, "validation": { "first": 500 }, "limit": 3000 },
  "layer_defaults": {
    "Dense": { "activation": "sigmoid", "kernel_initializer": { "type": "RandomNormal", "stddev": 1 } }
  },
  "layers": [
    { "type": "Flatten", "input_shape": [28, 28] },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 100 },
    { "type": "Dense", "units": 10, "activation": "softmax", "kernel_initializer": "glorot_uniform" }
  ],
  "compile": { "loss": "sparse_categorical_crossentropy", "optimizer": "SGD", "metrics": ["accuracy"] },
  "fit": { "epochs": 2, "batch_size": 32 }
}
`;

/** The one run folder of the spec. */
function runFolder(workspace: string): string {
  const dir = path.join(workspace, 'runs', 'deep-sigmoid');
  const runs = fs.readdirSync(dir);
  assert.strictEqual(runs.length, 1);
  return path.join(dir, runs[0]);
}

describe('Model Spec in VS Code (code-server): training health', function () {
  this.timeout(180_000);
  let workspace = '';
  const session = codeServerSession('health', (ws) => {
    fs.writeFileSync(path.join(ws, SPEC), SPEC_TEXT);
  });
  let wb: Workbench;
  before(() => {
    ({ wb, workspace } = session());
  });

  it('trains a deep sigmoid stack and draws its layers live in the Health tab', async () => {
    await wb.openFile(SPEC);
    await wb.command('Model Spec: Train Model');
    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await panel.locator('#tab-health').click();
    // While it trains: a row per weighted layer, drawn from the samples so far.
    const gradient = panel.locator('figure.health-layer[data-layer="dense"] [data-stat="gradientNorm"]');
    await gradient.waitFor({ timeout: 90_000 });
    await panel.locator('[data-testid="status"][data-status="completed"]').waitFor({ timeout: 150_000 });
    assert.deepStrictEqual(await panel.locator('figure.health-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer'))),
      ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5']);
    const lines = fs.readFileSync(path.join(runFolder(workspace), 'health.jsonl'), 'utf8').trim().split('\n').length;
    assert.strictEqual(Number(await gradient.getAttribute('data-points')), lines, 'every sample of health.jsonl is drawn');
    assert.strictEqual(await panel.locator('figure.health-layer[data-layer="dense_1"] [data-stat="activity"]').getAttribute('data-series'), '1', 'a saturation line');
    await wb.screenshot('health-layers');
  });

  it('shows a diagnosis and applies its fix to the spec in the editor', async function () {
    const result = JSON.parse(fs.readFileSync(path.join(runFolder(workspace), 'result.json'), 'utf8')) as { health?: { diagnoses: HealthDiagnosis[] } };
    // Before the diagnoser is merged the trainer records statistics but no diagnoses: nothing to apply yet.
    if (!fs.existsSync(path.join(ROOT, 'src', 'core', 'health', 'diagnose.ts')) && !result.health?.diagnoses.length) this.skip();
    const panel = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    const warning = panel.locator('li.diagnosis[data-severity="warning"]').filter({ has: panel.locator('vscode-button', { hasText: 'Apply fix' }) }).first();
    await warning.waitFor();
    await wb.screenshot('health-diagnosis');
    const code = await warning.getAttribute('data-code');
    const layer = (await warning.getAttribute('data-layer')) || null;
    const diagnosis = result.health?.diagnoses.find((d) => d.code === code && d.layer === layer);
    assert.ok(diagnosis?.fix, `result.json records the ${code} diagnosis of ${layer} with its fix`);

    await warning.locator('vscode-button', { hasText: 'Apply fix' }).click();
    await wb.page.locator('.notifications-toasts .notification-toast', { hasText: `Applied "${diagnosis.fix.title}"` }).waitFor();
    // The spec shows in its own editor; the panel stays in view beside it.
    await wb.page.locator('.tabs-container .tab.active', { hasText: 'Model Spec: Training' }).waitFor();
    await wb.screenshot('health-fix-applied');
    // VS Code saves a file a workspace edit changed when it had no unsaved changes (files.refactoring.autoSave); else save it here.
    if (await wb.page.locator('.tabs-container .tab.dirty', { hasText: SPEC }).count()) {
      await wb.focusEditor();
      await wb.page.keyboard.press('Control+S');
    }
    const file = path.join(workspace, SPEC);
    const saved = await eventually(() => {
      const text = fs.readFileSync(file, 'utf8');
      return text !== SPEC_TEXT ? text : undefined;
    }, 'the fixed spec on disk');
    assert.notStrictEqual(saved, SPEC_TEXT);
    assert.ok(saved.startsWith("// The notebook's network that does not learn."), 'comments are kept');
    const tree = parseTree(saved);
    assert.ok(tree);
    for (const edit of diagnosis.fix.edits) {
      const node = findNodeAtLocation(tree, edit.path);
      assert.ok(node, `the fix set ${JSON.stringify(edit.path)}`);
      assert.deepStrictEqual(getNodeValue(node), edit.value);
    }
  });
});
