/**
 * Issue #4 end to end: the packaged extension installed into a real VS Code (code-server),
 * driven in Chromium as a new user would. Run with `npm run test:e2e`; screenshots of every
 * step go to test-artifacts/e2e/. The steps share one window and run in order.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, codeServerSession } from './session';
import type { Workbench } from './workbench';

const SPEC = 'examples/mnist-initializers.model.json';
/**
 * The budget for activation, as VS Code measures it (code loading and `activate`): the
 * test prints the figure against it. What fails the test is only a regression far past it (such
 * as TensorFlow.js loaded at activation): one measurement on a shared 2-core machine varies by
 * more than the budget's margin (331 ms in one CI run, under 300 in the others), and speed
 * targets belong to the benches, not to a pass/fail test.
 */
const ACTIVATION_BUDGET_MS = 300;
const ACTIVATION_LIMIT_MS = 3 * ACTIVATION_BUDGET_MS;

/** The 1-based line and column of the `nth` occurrence of `needle` in the example spec. */
function positionOf(needle: string, nth = 1): { line: number; column: number } {
  const text = fs.readFileSync(path.join(ROOT, SPEC), 'utf8');
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    assert.ok(at >= 0, `${SPEC} no longer contains ${nth}x ${needle}`);
  }
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

describe('Model Spec in VS Code (code-server): the editor', function () {
  // The examples' `$schema` is ../schemas/...: keep the repository's layout.
  const session = codeServerSession('editor', (ws) => {
    for (const dir of ['examples', 'schemas']) fs.cpSync(path.join(ROOT, dir), path.join(ws, dir), { recursive: true });
  });
  let wb: Workbench;
  before(() => { wb = session().wb; });

  it('opens a *.model.json file as a Model Spec with its file icon', async () => {
    await wb.openFile(SPEC);
    await wb.statusItem(/^Model Spec$/).waitFor();
    const icon = wb.page.locator('.tabs-container .tab.active .monaco-icon-label').first();
    assert.match(await icon.getAttribute('class') ?? '', /\bmodelspec-lang-file-icon\b/);
    assert.match(await wb.iconImage(icon), /modelspec-file-(light|dark)\.svg/);
    await wb.screenshot('opened');
  });

  it(`activates in well under ${ACTIVATION_LIMIT_MS} ms (budget ${ACTIVATION_BUDGET_MS} ms, printed)`, async () => {
    await wb.command('Developer: Show Running Extensions');
    const time = wb.page.locator('.monaco-list-row', { hasText: 'Model Spec' }).locator('.activation-time');
    await time.filter({ hasText: /Activation: \d+ms/ }).waitFor();
    const ms = Number(/Activation: (\d+)ms/.exec(await time.innerText())?.[1]);
    console.log(`      activation: ${ms} ms (VS Code's Running Extensions: code loading + activate; budget ${ACTIVATION_BUDGET_MS} ms)`);
    await wb.screenshot('activation');
    await wb.page.keyboard.press('Escape');
    await time.waitFor({ state: 'hidden' });
    assert.ok(ms < ACTIVATION_LIMIT_MS, `activation took ${ms} ms`);
  });

  it('shows a squiggle and exactly one Problems entry for a typo', async () => {
    const { line, column } = positionOf('"relu"');
    await wb.focusEditor();
    await wb.goTo(line, column + 1);
    for (let i = 0; i < 'relu'.length; i++) await wb.page.keyboard.press('Shift+ArrowRight');
    await wb.page.keyboard.type('rleu');
    await wb.editor.locator('.squiggly-error').first().waitFor();
    await wb.page.keyboard.press('Control+Shift+M');
    const entry = wb.problems.filter({ hasText: 'Did you mean "relu"?' });
    await entry.waitFor();
    assert.match(await entry.innerText(), /modelspec\s*\(?unknown-name\b/);
    // One file row, one problem row: VS Code's JSON support adds nothing of its own.
    const labels = await wb.problems.evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    assert.deepStrictEqual(labels.filter((l) => !/problems? in file/.test(l)).length, 1, labels.join('\n'));
    await wb.screenshot('typo-problem');
  });

  it('fixes the typo with the "did you mean" quick fix', async () => {
    const { line, column } = positionOf('"relu"');
    await wb.focusEditor();
    await wb.goTo(line, column + 2);
    const fix = wb.page.locator('.action-widget .monaco-list-row', { hasText: 'relu' }).first();
    // Ctrl+. before the code actions at the cursor are computed shows "no actions": on a busy
    // machine, ask again.
    for (let attempt = 1; ; attempt++) {
      await wb.page.keyboard.press('Control+.');
      try {
        await fix.waitFor({ timeout: 5_000 });
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        await wb.page.keyboard.press('Escape');
      }
    }
    await wb.screenshot('quick-fix');
    await fix.click();
    await wb.page.locator('.markers-panel', { hasText: 'No problems have been detected' }).waitFor();
    await wb.editor.locator('.view-line', { hasText: '"activation": "relu"' }).first().waitFor();
    assert.strictEqual(await wb.editor.locator('.squiggly-error').count(), 0);
    await wb.screenshot('fixed');
  });

  it('shows a Dense layer\'s parameter arithmetic on hover', async () => {
    const { line, column } = positionOf('"Dense", "units": 300');
    await wb.focusEditor();
    await wb.goTo(line, column + 1);
    await wb.page.keyboard.press('Control+K');
    await wb.page.keyboard.press('Control+I');
    const hover = wb.page.locator('.monaco-hover:not(.hidden)', { hasText: '235,500' });
    await hover.waitFor();
    assert.match(await hover.innerText(), /784 × 300 \+ 300 = 235,500/);
    await wb.screenshot('hover');
    await wb.page.keyboard.press('Escape');
  });

  it('shows the parameter count in a CodeLens', async () => {
    // The first lens is the spec's; each variant has its own below.
    const lens = wb.editor.locator('.codelens-decoration').first();
    await lens.filter({ hasText: '316,810 params' }).waitFor();
    assert.strictEqual((await lens.innerText()).replace(/\s+/g, ' '), '316,810 params | Train | Summary | Compare variants');
    await wb.screenshot('codelens');
  });

  it('lists the layers in the Outline and the breadcrumbs', async () => {
    // The cursor is still in the first Dense layer.
    const crumbs = wb.page.locator('.editor-group-container.active .breadcrumbs-control .outline-element .label-name');
    await crumbs.filter({ hasText: /^dense$/ }).waitFor();
    assert.deepStrictEqual(await crumbs.allInnerTexts(), ['mnist-initializers', 'layers', 'dense']);
    await wb.command('Explorer: Focus on Outline View');
    const rows = wb.page.locator('.outline-pane .monaco-list-row');
    await rows.filter({ hasText: /layers\s*5 layers · 316,810 params/ }).waitFor();
    await rows.filter({ hasText: /input_layer\s*Flatten/ }).waitFor();
    await wb.screenshot('outline');
  });

  it('completes a new layer with one of our snippets', async () => {
    const { line } = positionOf('"units": 100 }');
    await wb.focusEditor();
    await wb.goTo(line, 1);
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.press('Enter');
    await wb.page.keyboard.press('Control+Space');
    const item = wb.page.locator('.suggest-widget .monaco-list-row', { hasText: 'Dropout layer' });
    await item.waitFor();
    await wb.screenshot('completion');
    await item.click();
    await wb.page.keyboard.press('Escape');
    await wb.editor.locator('.view-line', { hasText: '{ "type": "Dropout", "rate": 0.2 },' }).waitFor();
    await wb.page.locator('.markers-panel', { hasText: 'No problems have been detected' }).waitFor();
    await wb.screenshot('completed');
  });

  it('shows the Keras summary from the editor title button', async () => {
    await wb.page.locator('.editor-group-container.active .editor-actions .action-label[aria-label*="Show Summary"]').click();
    await wb.page.locator('.tabs-container .tab', { hasText: 'mnist-initializers summary.txt' }).waitFor();
    await wb.page.locator('.monaco-editor .view-line', { hasText: 'Total params: 316,810' }).first().waitFor();
    await wb.screenshot('summary');
  });
});

describe('Model Spec in VS Code (code-server): the engine setting', function () {
  // The workspace trains on TensorFlow.js only, and a spec uses AdamW, which only the fused engine has.
  const session = codeServerSession('engine-setting', (ws) => {
    for (const dir of ['examples', 'schemas']) fs.cpSync(path.join(ROOT, dir), path.join(ws, dir), { recursive: true });
    fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'modelSpec.training.engine': 'tfjs' }));
    const text = fs.readFileSync(path.join(ROOT, SPEC), 'utf8').replace('"optimizer": "SGD"', '"optimizer": "AdamW"');
    fs.writeFileSync(path.join(ws, 'examples', 'adamw.model.json'), text);
  });

  it('flags AdamW on the optimizer before training, saying which setting to change', async () => {
    const { wb } = session();
    await wb.openFile('examples/adamw.model.json');
    await wb.editor.locator('.squiggly-error').first().waitFor();
    await wb.page.keyboard.press('Control+Shift+M');
    const entry = wb.problems.filter({ hasText: 'AdamW trains only on the fused WebAssembly engine' });
    await entry.waitFor();
    const text = await entry.innerText();
    assert.match(text, /modelspec\s*\(?engine-setting\b/);
    assert.match(text, /the modelSpec\.training\.engine setting is "tfjs"\. Set it to "auto"/);
    await wb.screenshot('engine-setting-problem');
  });
});
