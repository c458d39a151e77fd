/**
 * The panel's Health tab in headless Chromium under its real CSP: a run with training health
 * replayed through a real PanelHost (live, then finished), the variants overlaid, Apply fix, and
 * light, dark and high-contrast screenshots for docs/images/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import type { FromTrainer } from '../../src/shared/trainerProtocol';
import { loadRun, summarizeRun } from '../../src/panel/state';
import { recordedHealthRunDirs, recordedRunFiles } from '../panel/fixtures';
import { notebookHealthRuns, SIGMOID_PROFILE, syntheticHealthRun } from '../panel/syntheticHealth';
import { chromiumPath, launchChromium, PanelPage, PanelServer, REPO, until, type OpenOptions } from './harness';
import { DARK, HIGH_CONTRAST, LIGHT } from './themes';

const IMAGES = path.join(REPO, 'docs', 'images');

function feed(panel: PanelPage, runId: string, messages: Iterable<FromTrainer>): void {
  for (const message of messages) panel.host.dispatch({ type: 'trainer', runId, message });
}

describe('training panel Health tab (headless Chromium)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: PanelServer;
  const pages: PanelPage[] = [];

  async function open(options: OpenOptions = {}): Promise<PanelPage> {
    const panel = await PanelPage.open(browser, server, { theme: DARK, ...options });
    pages.push(panel);
    return panel;
  }

  before(async function () {
    const executable = chromiumPath();
    if (!executable) {
      if (process.env.CI) throw new Error('Chromium not found: apt-get install chromium (or set $CHROMIUM)');
      this.skip();
    }
    assert.ok(fs.existsSync(path.join(REPO, 'dist/webview/panel.js')), 'dist/webview/panel.js is missing: run `node esbuild.js` first');
    server = await PanelServer.start();
    browser = await launchChromium(executable);
  });

  async function assertClean(): Promise<void> {
    const problems: string[] = [];
    for (const panel of pages) problems.push(...await panel.problems());
    assert.deepStrictEqual(problems, []);
  }

  afterEach(async () => {
    for (const panel of pages.splice(0)) await panel.close();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the layer multiples and heatmaps live, lists the diagnoses, and Apply fix asks the host', async () => {
    const panel = await open();
    const { options, profile } = notebookHealthRuns().find((r) => r.profile === SIGMOID_PROFILE)!;
    const messages = [...syntheticHealthRun(options, profile)];
    const cut = messages.findIndex((m) => m.type === 'health' && m.epoch === 1);
    feed(panel, options.runDir, messages.slice(0, cut));
    await panel.sync();
    const page = panel.page;
    await page.getByRole('tab', { name: 'Health' }).click();
    const layers = page.locator('figure.health-layer');
    await layers.first().waitFor();
    assert.deepStrictEqual(await Promise.all((await layers.all()).map((l) => l.getAttribute('data-layer'))), ['dense', 'dense_1', 'dense_2', 'dense_3']);
    const gradient = page.locator('figure.health-layer[data-layer="dense"] [data-stat="gradientNorm"]');
    const livePoints = Number(await gradient.getAttribute('data-points'));
    assert.strictEqual(livePoints, messages.slice(0, cut).filter((m) => m.type === 'health').length);
    assert.deepStrictEqual(await page.getByTestId('health-diagnoses').locator('li').evaluateAll((els) => els.map((e) => e.getAttribute('data-code'))), ['vanishing-gradients', 'saturation']);

    feed(panel, options.runDir, messages.slice(cut));
    await panel.sync();
    assert.strictEqual(await page.locator('#tab-health').innerText(), 'Health \u26a0 2', 'the tab counts the warnings');
    assert.ok(Number(await gradient.getAttribute('data-points')) > livePoints, 'new samples drawn while training');
    const items = page.getByTestId('health-diagnoses').locator('li.diagnosis');
    assert.deepStrictEqual(await items.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-severity')}:${e.getAttribute('data-code')}:${e.getAttribute('data-layer')}`)),
      ['warning:vanishing-gradients:dense', 'warning:saturation:dense_1', 'info:learning-rate-low:']);
    assert.match(await items.first().innerText(), /dense\s+epoch 1\s+vanishing-gradients[\s\S]*2e-6 of the output layer's/);
    assert.match(await page.getByTestId('health-facts').innerText(), /Sampled every 20 steps, in the fused kernel\. 60 of 60 samples shown\. First batch loss 2\.\d+, expected about 2\.3026/);
    // The sigmoid layers have a saturation line; the softmax output has neither saturation nor dead units.
    const activity = (layer: string): string => `figure.health-layer[data-layer="${layer}"] [data-stat="activity"]`;
    assert.strictEqual(await page.locator(activity('dense_1')).getAttribute('data-series'), '1');
    assert.strictEqual(await page.locator(`${activity('dense_3')} .chart-note`).innerText(), 'Not a saturating or ReLU-family activation.');
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense"] [data-stat="activations"] canvas').getAttribute('data-columns'), '60');
    const inked = (await page.evaluate(`window.__probe.inked('figure.health-layer canvas')`)) as number[];
    assert.strictEqual(inked.length, 16);
    assert.ok(inked.filter((n) => n > 300).length >= 15, `canvases drew: ${inked}`);
    assert.strictEqual(await page.locator('figure.health-layer[data-flagged="true"]').count(), 2);

    // A new sample with the same diagnoses redraws the charts but leaves the list (and the focus in it) alone.
    await items.first().evaluate((el) => el.setAttribute('data-marker', 'kept'));
    const last = messages.filter((m) => m.type === 'health').pop()!;
    feed(panel, options.runDir, [{ ...last, step: last.step + 1, globalStep: last.globalStep + 1 }]);
    await panel.sync();
    assert.strictEqual(await items.first().getAttribute('data-marker'), 'kept');

    await items.nth(1).getByRole('button', { name: 'Apply fix' }).click();
    await until(() => panel.requests.length > 0, 'the fix request');
    assert.deepStrictEqual(panel.requests, [{ type: 'applyHealthFix', runId: options.runDir, code: 'saturation', layer: 'dense_1' }]);
    assert.strictEqual(await items.nth(2).getByRole('button', { name: 'Apply fix' }).count(), 0, 'a hint without a fix has no button');
    await assertClean();
  });

  it('overlays the compared runs layer by layer, asking the host for those not loaded', async () => {
    const panel = await open();
    const runs = notebookHealthRuns();
    // Five live runs, and one past run only listed (its folder not read yet).
    for (const { options, profile } of runs.slice(0, 5)) feed(panel, options.runDir, syntheticHealthRun(options, profile));
    const past = runs[5];
    const pastRun = loadRun(past.options.runDir, { events: [...syntheticHealthRun(past.options, past.profile)].map((m) => JSON.stringify(m)).join('\n') })!;
    panel.host.dispatch({ type: 'pastRuns', runs: [summarizeRun(pastRun)] });
    panel.host.dispatch({ type: 'showRun', runId: runs[0].options.runDir });
    await panel.sync();
    const page = panel.page;
    await page.getByRole('tab', { name: 'Health' }).click();
    await page.locator('.health vscode-checkbox', { hasText: 'Overlay compared runs' }).click();
    await until(() => panel.requests.some((r) => r.type === 'loadRuns'), 'the request to load the past run');
    assert.deepStrictEqual(panel.requests.filter((r) => r.type === 'loadRuns'), [{ type: 'loadRuns', runIds: [past.options.runDir] }]);
    panel.host.dispatch({ type: 'runsLoaded', runs: [pastRun] });
    await panel.sync();
    assert.strictEqual(await page.locator('.health').getAttribute('data-runs'), '6');
    const gradient = page.locator('figure.health-layer[data-layer="dense"] [data-stat="gradientNorm"]');
    assert.strictEqual(await gradient.getAttribute('data-series'), '6');
    // Newest first, as the comparison lists them (and in its colours).
    assert.deepStrictEqual(await page.getByTestId('health-legend').locator('.legend-entry').allInnerTexts(),
      ['sigmoid + random_normal', 'LecunNormal + selu', 'he_normal + elu', 'he_normal', 'glorot_uniform', 'glorot_normal']);
    // Each diagnosis names its run; the healthy runs have none.
    assert.deepStrictEqual(await page.locator('.diagnosis-run').allInnerTexts(), ['sigmoid + random_normal', 'sigmoid + random_normal', 'sigmoid + random_normal']);
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense_1"] [data-stat="activations"] canvas').getAttribute('data-columns'), String(6 * 60));
    assert.strictEqual(panel.host.state.activeRunId, runs[0].options.runDir, 'the run in view stays');
    await assertClean();
  });

  it('draws real recorded runs from their folders: a deep sigmoid stack, then the five initializers overlaid', async () => {
    const panel = await open({ width: 1280, height: 1100 });
    const dirs = recordedHealthRunDirs();
    const runs = dirs.map((d) => loadRun(d, recordedRunFiles(d))!);
    const sigmoid = runs[runs.length - 1];
    panel.host.dispatch({ type: 'runsLoaded', runs: runs.slice(0, -1) });
    panel.host.dispatch({ type: 'runOpened', run: sigmoid });
    await panel.sync();
    const page = panel.page;
    await page.getByRole('tab', { name: 'Health' }).click();
    await page.locator('figure.health-layer').first().waitFor();
    const layers = await page.locator('figure.health-layer').evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
    assert.deepStrictEqual(layers, ['dense', 'dense_1', 'dense_2', 'dense_3', 'dense_4', 'dense_5']);
    const samples = sigmoid.health.samples.length;
    assert.strictEqual(samples, 63);
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense"] [data-stat="gradientNorm"]').getAttribute('data-points'), String(samples));
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense"] [data-stat="activations"] canvas').getAttribute('data-columns'), String(samples));
    // Sigmoid layers: a saturation line; no dead units (not ReLU).
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense_2"] [data-stat="activity"]').getAttribute('data-series'), '1');
    assert.match(await page.getByTestId('health-facts').innerText(), /^Sampled every \d+ steps/);

    await page.locator('.health vscode-checkbox', { hasText: 'Overlay compared runs' }).click();
    // The default comparison is the latest run of each variant of the spec in view: only this one.
    await page.getByTestId('health-facts').filter({ hasText: 'Pick two or more runs in Compare to overlay them.' }).waitFor();
    // The five initializer variants...
    panel.host.dispatch({ type: 'showRun', runId: runs[0].id });
    await panel.sync();
    assert.strictEqual(await page.locator('.health').getAttribute('data-runs'), '5');
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense"] [data-stat="gradientNorm"]').getAttribute('data-series'), '5');
    assert.strictEqual(await page.locator('figure.health-layer[data-layer="dense"] [data-stat="activity"]').getAttribute('data-series'), '3', 'dead units of the three ReLU variants');
    await page.screenshot({ path: path.join(IMAGES, 'panel-health-overlay-dark.png'), fullPage: true });
    // ...and all six, the sigmoid stack among them, picked by hand.
    panel.host.receive({ type: 'selectRuns', runIds: runs.map((r) => r.id) });
    await panel.sync();
    assert.strictEqual(await page.locator('.health').getAttribute('data-runs'), '6');
    assert.deepStrictEqual(panel.requests.filter((r) => r.type === 'loadRuns'), [], 'every run was loaded already');
    await assertClean();
  });

  it('shows names and messages as text, never markup', async () => {
    const panel = await open();
    const { options } = notebookHealthRuns(1, 20, 5)[0];
    const hostile = '<img src=x onerror="window.__xss = 1">';
    const profile = { ...SIGMOID_PROFILE, diagnoses: SIGMOID_PROFILE.diagnoses.map((d) => ({ ...d, message: hostile, layer: hostile })) };
    feed(panel, options.runDir, syntheticHealthRun({ ...options, variant: hostile }, profile));
    await panel.sync();
    await panel.page.getByRole('tab', { name: 'Health' }).click();
    await panel.page.locator('li.diagnosis').first().waitFor();
    assert.strictEqual(await panel.page.locator('.diagnosis-message').first().innerText(), hostile);
    assert.strictEqual(await panel.page.locator('img').count(), 0);
    assert.strictEqual(await panel.page.evaluate('window.__xss'), undefined);
    await assertClean();
  });

  for (const theme of [LIGHT, DARK, HIGH_CONTRAST]) {
    it(`screenshots the Health tab in the ${theme.name} theme`, async () => {
      const panel = await open({ theme, width: 1280, height: 1100 });
      const { options, profile } = notebookHealthRuns(5, 300, 10).find((r) => r.profile === SIGMOID_PROFILE)!;
      feed(panel, options.runDir, syntheticHealthRun(options, profile));
      await panel.sync();
      await panel.page.getByRole('tab', { name: 'Health' }).click();
      await panel.page.locator('figure.health-layer').first().waitFor();
      await panel.sync();
      const file = path.join(IMAGES, `panel-health-${theme.name}.png`);
      await panel.page.screenshot({ path: file, fullPage: true });
      assert.ok(fs.statSync(file).size > 20_000);
      await assertClean();
    });
  }
});
