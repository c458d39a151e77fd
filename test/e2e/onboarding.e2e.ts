/**
 * Issue #15 end to end: the first five minutes in a real VS Code (code-server). Help: Welcome
 * lists the Getting Started walkthrough; its first step's button runs Open Example, whose quick
 * pick lists the gallery; the chosen example is written into the workspace beside an existing
 * file of the same name (never over it) with its data, and opens without a problem. New Model
 * Spec offers the starter spec and the gallery. Screenshots for the README go to
 * test-artifacts/e2e/onboarding/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, codeServerSession } from './session';
import type { Workbench } from './workbench';

const WALKTHROUGH = 'Get Started with Model Spec';
/** A file already in the workspace under the example's name: the example must not replace it. */
const EXISTING = '// my own iris spec\n{ "name": "mine" }\n';

describe('Model Spec in VS Code (code-server): getting started', function () {
  this.timeout(120_000);
  let workspace = '';
  const session = codeServerSession('onboarding', (ws) => {
    fs.writeFileSync(path.join(ws, 'iris.model.json'), EXISTING);
  });
  let wb: Workbench;
  before(() => {
    ({ wb, workspace } = session());
  });

  it('Help: Welcome lists the walkthrough, which opens on its first step', async () => {
    await wb.command('Help: Welcome');
    const entry = wb.page.locator('.getting-started-category', { hasText: WALKTHROUGH }).first();
    await entry.waitFor();
    await wb.screenshot('welcome');
    await entry.click();
    const step = wb.page.locator('.getting-started-step.expanded', { hasText: 'Open an example' });
    await step.waitFor();
    await wb.page.locator('.gettingStartedContainer', { hasText: 'Read the panel and its Health view' }).waitFor();
    // The step's SVG, drawn in a webview with the theme's colours.
    const media = wb.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await media.locator('svg text', { hasText: 'Iris from a CSV file' }).waitFor();
    await wb.screenshot('walkthrough');
  });

  it("the first step's button runs Open Example: the gallery in a quick pick", async () => {
    const step = wb.page.locator('.getting-started-step.expanded', { hasText: 'Open an example' });
    await step.getByRole('button', { name: 'Open Example' }).click();
    const list = wb.page.locator('.quick-input-widget:not(.quick-input-widget-closing)', { hasText: 'Iris from a CSV file' });
    await list.waitFor();
    for (const title of ['Weight initializers', 'Fashion-MNIST']) await list.locator('.monaco-list-row', { hasText: title }).first().waitFor();
    await wb.screenshot('open-example');
    await wb.quickInput.fill('Iris');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Iris from a CSV file' }).first().waitFor();
    await wb.page.keyboard.press('Enter');
    await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  });

  it('writes the example and its data beside the existing file, and opens it without a problem', async () => {
    // The example opens beside the walkthrough, which can take the focus back as it moves on to
    // its next step (VS Code does that on the step's completion event): click the tab, as a user would.
    const tab = wb.page.locator('.tabs-container .tab.active', { hasText: 'iris-2.model.json' });
    await tab.waitFor();
    await tab.click();
    assert.strictEqual(fs.readFileSync(path.join(workspace, 'iris.model.json'), 'utf8'), EXISTING);
    const written = fs.readFileSync(path.join(workspace, 'iris-2.model.json'), 'utf8');
    assert.ok(!written.includes('$schema'), 'the repository-relative $schema is left out');
    assert.ok(written.includes('"csv": "data/iris.csv"'));
    assert.ok(fs.readFileSync(path.join(workspace, 'data', 'iris.csv')).equals(fs.readFileSync(path.join(ROOT, 'examples', 'data', 'iris.csv'))));
    await wb.statusItem(/^Model Spec$/).waitFor();
    await wb.editor.locator('.codelens-decoration', { hasText: '131 params' }).first().waitFor();
    assert.strictEqual(await wb.editor.locator('.squiggly-error, .squiggly-warning').count(), 0);
    await wb.screenshot('example-opened');
  });

  it('New Model Spec offers the starter spec and the gallery; the starter opens untitled', async () => {
    await wb.command('Model Spec: New Model Spec', 'Starter spec');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Vanishing gradients' }).first().waitFor();
    await wb.quickInput.fill('Starter');
    await wb.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Starter spec' }).first().waitFor();
    await wb.page.keyboard.press('Enter');
    const tab = wb.page.locator('.tabs-container .tab.active', { hasText: 'Untitled' });
    await tab.waitFor();
    await tab.click();
    await wb.statusItem(/^Model Spec$/).waitFor();
    await wb.editor.locator('.view-line', { hasText: '"layers"' }).first().waitFor();
    await wb.editor.locator('.codelens-decoration', { hasText: 'params' }).first().waitFor();
    assert.strictEqual(await wb.editor.locator('.squiggly-error, .squiggly-warning').count(), 0);
    await wb.screenshot('new-spec');
  });
});
