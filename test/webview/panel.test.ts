/**
 * The training panel's webview bundle in headless Chromium, under its real CSP: a recorded run
 * and synthetic ones replayed through a real PanelHost, asserting what a person would see.
 * Screenshots of three themes go to test-artifacts/webview/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Browser, Locator } from 'playwright-core';
import type { FromTrainer } from '../../src/shared/trainerProtocol';
import { comparisonColumns, comparisonRows, sortRows, toCsv } from '../../src/panel/compare';
import { comparedRuns, summarizeResult } from '../../src/panel/state';
import { recordedMessages, RECORDED_RUN_DIR } from '../panel/fixtures';
import { notebookRuns, syntheticRun, type SyntheticRunOptions } from '../panel/syntheticRuns';
import { ARTIFACTS, chromiumPath, launchChromium, PanelPage, PanelServer, REPO, until, type OpenOptions } from './harness';
import { DARK, HIGH_CONTRAST, LIGHT } from './themes';

const MB = 1024 * 1024;

/** Feeds trainer messages to the page's host as the extension would: run id = the run folder. */
function feed(panel: PanelPage, runId: string, messages: Iterable<FromTrainer>): void {
  for (const message of messages) panel.host.dispatch({ type: 'trainer', runId, message });
}

function feedRun(panel: PanelPage, o: SyntheticRunOptions): void {
  feed(panel, o.runDir, syntheticRun(o));
}

/** An attribute of every element a locator matches (Playwright's API only: the tests compile without DOM types). */
async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((l) => l.getAttribute(name)));
}

describe('training panel webview (headless Chromium)', function () {
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
      // Locally a missing browser skips; in CI it is a failure (.ci/run must install chromium).
      if (process.env.CI) throw new Error('Chromium not found: apt-get install chromium (or set $CHROMIUM)');
      this.skip();
    }
    assert.ok(fs.existsSync(path.join(REPO, 'dist/webview/panel.js')), 'dist/webview/panel.js is missing: run `node esbuild.js` first');
    server = await PanelServer.start();
    browser = await launchChromium(executable);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  });

  /** Any CSP violation, console error or page error in this test's pages fails it. */
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

  it('replays a recorded run: header, Keras summary table, chart points, Stop while running', async () => {
    const panel = await open();
    const messages = recordedMessages();
    const runId = RECORDED_RUN_DIR;
    const midway = messages.findIndex((m) => m.type === 'batch' && m.epoch === 1) + 3;
    feed(panel, runId, messages.slice(0, midway));
    await panel.sync();
    const page = panel.page;
    assert.strictEqual(await page.getByTestId('status').textContent(), 'Training');
    assert.match(await page.locator('.facts').textContent() ?? '', /Backend: wasm · Epoch 2\/3 · Batch \d+\/313 · Elapsed: .* · ETA: /);
    assert.strictEqual(await page.locator('progress').isVisible(), true);

    const rows = page.getByTestId('summary-table').locator('tbody tr');
    assert.strictEqual(await rows.count(), 5);
    assert.deepStrictEqual(await rows.locator('th').allTextContents(),
      ['input_layer (Flatten)', 'dense (Dense)', 'dense_1 (Dense)', 'dense_2 (Dense)', 'dense_3 (Dense)']);
    assert.deepStrictEqual(await rows.locator('td:nth-child(2)').allTextContents(), ['(None, 784)', '(None, 300)', '(None, 200)', '(None, 100)', '(None, 10)']);
    assert.deepStrictEqual(await rows.locator('td:nth-child(3)').allTextContents(), ['0', '235,500', '60,200', '20,100', '1,010']);
    assert.deepStrictEqual(await page.getByTestId('summary-table').locator('tfoot td').allTextContents(), ['316,810', '316,810', '0']);

    const loss = page.locator('figure.chart[data-metric="loss"]');
    assert.strictEqual(await loss.getAttribute('data-epoch-points'), '2', 'epoch 1: train and validation');
    assert.ok(Number(await loss.getAttribute('data-batch-points')) > 10);
    assert.deepStrictEqual(await attributes(page.locator('.charts figure.chart'), 'data-metric'), ['loss', 'accuracy']);
    const inked = (await page.evaluate(`window.__probe.inked('.charts figure.chart .uplot canvas')`)) as number[];
    assert.ok(inked.length === 2 && inked.every((n) => n > 500), `charts drew: ${inked}`);

    await page.getByRole('button', { name: 'Stop' }).click();
    await until(() => panel.requests.length > 0, 'the stop request');
    assert.deepStrictEqual(panel.requests, [{ type: 'stop', runId }]);
    await page.locator('vscode-button[disabled]', { hasText: 'Stopping' }).waitFor();

    feed(panel, runId, messages.slice(midway));
    await panel.sync();
    assert.strictEqual(await page.getByTestId('status').textContent(), 'Completed');
    assert.strictEqual(await loss.getAttribute('data-epoch-points'), '6');
    assert.strictEqual(await page.locator('progress').isVisible(), false);
    assert.strictEqual(await page.locator('.run-header vscode-button').isVisible(), false, 'no Stop button once the run is over');
    assert.deepStrictEqual(await page.getByTestId('test-metrics').locator('dd[data-metric]').allTextContents(), ['0.3630', '0.8973']);
    await page.locator('.run-log summary').click();
    assert.match(await page.locator('.run-log pre').innerText(), /Epoch 3\/3\n313\/313 - 2s - loss: 0\.4052[^\n]*\nTest: loss 0\.3630 - accuracy 0\.8973$/);
    await assertClean();
  });

  it('shows the evaluation: confusion matrix summing to the test count, and the misclassified digits', async () => {
    const panel = await open();
    // A hostile variant name is text, never markup (and the CSP would report an inline handler).
    const variant = '<img src=x onerror="window.__xss = 1">';
    const o = { ...notebookRuns(4, 60, 10)[0], variant };
    feedRun(panel, o);
    await panel.sync();
    const page = panel.page;
    const counts = (await attributes(page.getByTestId('confusion-matrix').locator('td.cm-cell'), 'data-count')).map(Number);
    assert.strictEqual(counts.length, 100);
    const run = panel.host.state.runs[o.runDir];
    assert.strictEqual(counts.reduce((a, b) => a + b, 0), run.data?.testCount);
    assert.strictEqual(await page.getByTestId('confusion-matrix').locator('thead th').count(), 11, 'ten classes and a total');
    const images = page.getByTestId('mistakes').locator('canvas');
    assert.strictEqual(await images.count(), 24);
    const inked = (await page.evaluate(`window.__probe.inked('[data-testid=mistakes] canvas')`)) as number[];
    assert.ok(inked.every((n) => n > 40), 'every digit has bright pixels');
    assert.match(await images.first().getAttribute('aria-label') ?? '', /^Test example \d+: true 4, predicted 9 with 99\.9% confidence$/);
    assert.deepStrictEqual(await page.getByTestId('mistakes').locator('figcaption').first().textContent(), '4 → 999.9%');
    assert.strictEqual(await page.locator('.run-header .variant').textContent(), variant);
    assert.strictEqual(await page.locator('img').count(), 0);
    assert.strictEqual(await page.evaluate('window.__xss'), undefined);
    await assertClean();
  });

  it('compares runs: overlaid curves, a table sorted by click and keyboard, CSV and PNG export, past runs', async () => {
    const panel = await open();
    const runs = notebookRuns(12, 40, 10);
    for (const o of runs) feedRun(panel, o);
    const result = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'result.json'), 'utf8');
    panel.host.dispatch({ type: 'pastRuns', runs: [summarizeResult(RECORDED_RUN_DIR, result)!] });
    await panel.sync();
    const page = panel.page;
    await page.getByRole('tab', { name: 'Compare' }).click();
    const table = page.getByTestId('compare-table');
    await table.waitFor();
    // Default: the latest run of each of the spec's five variants (the recorded glorot_normal run is older).
    assert.strictEqual(await table.locator('tbody tr').count(), 5);
    assert.strictEqual(await page.getByTestId('compare-chart').getAttribute('data-series'), '5');
    assert.strictEqual(await page.getByTestId('compare-chart').getAttribute('data-metric'), 'val_accuracy');
    const order = (): Promise<string[]> => table.locator('tbody th').allTextContents();
    const cells = async (key: string): Promise<number[]> => {
      const column = (await attributes(table.locator('thead .sort-button'), 'data-key')).indexOf(key);
      return (await table.locator(`tbody tr > :nth-child(${column + 1})`).allTextContents()).map((t) => parseFloat(t));
    };
    // Sorted by best val_accuracy, best first, by default.
    const best = await cells('best:val_accuracy');
    assert.deepStrictEqual(best, [...best].sort((a, b) => b - a));
    assert.strictEqual(await table.locator('th[aria-sort="descending"] [data-key="best:val_accuracy"]').count(), 1);

    // Sorting redraws on the next frame: wait for the header to say so, then read the rows.
    await table.locator('[data-key="best:val_loss"]').click();
    await table.locator('th[aria-sort="ascending"] [data-key="best:val_loss"]').waitFor();
    const losses = await cells('best:val_loss');
    assert.deepStrictEqual(losses, [...losses].sort((a, b) => a - b), 'loss sorts ascending (best first)');

    // Keyboard: focus the Run header's sort button and press Enter, then Space to reverse.
    await table.locator('[data-key="run"]').focus();
    await page.keyboard.press('Enter');
    await table.locator('th[aria-sort="ascending"] [data-key="run"]').waitFor();
    const names = runs.map((r) => r.variant);
    assert.deepStrictEqual(await order(), [...names].sort((a, b) => a.localeCompare(b)));
    await table.locator('[data-key="run"]').focus();
    await page.keyboard.press('Space');
    await table.locator('th[aria-sort="descending"] [data-key="run"]').waitFor();
    assert.deepStrictEqual(await order(), [...names].sort((a, b) => b.localeCompare(a)));

    await page.getByRole('button', { name: 'Export CSV' }).click();
    await until(() => panel.requests.some((r) => r.type === 'exportCsv'), 'the CSV export');
    const csvRequest = panel.requests.find((r) => r.type === 'exportCsv');
    assert.ok(csvRequest && csvRequest.type === 'exportCsv');
    const compared = comparedRuns(panel.host.state);
    const columns = comparisonColumns(compared);
    const expected = toCsv(columns, sortRows(comparisonRows(compared, columns), 'run', 'descending'));
    assert.strictEqual(csvRequest.csv, expected);
    assert.strictEqual(csvRequest.fileName, 'mnist-initializers-comparison.csv');
    assert.match(csvRequest.csv.split('\r\n')[0], /^Run,Status,Best val_loss,Epoch \(val_loss\),Best val_accuracy,/);

    await page.getByTestId('compare-chart').getByRole('button', { name: 'Save PNG' }).click();
    await until(() => panel.requests.some((r) => r.type === 'exportPng'), 'the PNG export');
    const png = panel.requests.find((r) => r.type === 'exportPng');
    assert.ok(png && png.type === 'exportPng' && png.dataUrl.startsWith('data:image/png;base64,') && png.dataUrl.length > 5000);

    // Untick a run: the host hears the new selection and the table follows.
    await page.locator(`vscode-checkbox[data-run-id="${runs[0].runDir}"]`).click();
    await until(() => panel.host.state.comparedRunIds !== null, 'the run selection');
    await panel.sync();
    assert.deepStrictEqual(panel.host.state.comparedRunIds, runs.slice(1).map((r) => r.runDir).reverse());
    assert.strictEqual(await table.locator('tbody tr').count(), 4);

    await page.getByRole('tab', { name: 'Runs' }).click();
    const runsTable = page.getByTestId('runs-table');
    assert.strictEqual(await runsTable.locator('tbody tr').count(), 6);
    await runsTable.getByRole('button', { name: 'glorot_normal' }).last().click();
    await until(() => panel.requests.some((r) => r.type === 'openRun'), 'the open request');
    assert.deepStrictEqual(panel.requests.at(-1), { type: 'openRun', runId: RECORDED_RUN_DIR });
    // Opening a run switches to its charts (on the next frame).
    await page.locator('vscode-panel-tab#tab-training[aria-selected="true"]').waitFor();
    await assertClean();
  });

  it('Export to Keras... on a finished run in the Runs list asks the host for that run; a running one has no button', async () => {
    // A narrow panel, as beside an editor.
    const panel = await open({ width: 500 });
    const result = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'result.json'), 'utf8');
    const finished = summarizeResult(RECORDED_RUN_DIR, result)!;
    const running = { ...finished, id: `${RECORDED_RUN_DIR}-live`, status: 'running' as const };
    panel.host.dispatch({ type: 'pastRuns', runs: [running, finished] });
    await panel.sync();
    await panel.page.getByRole('tab', { name: 'Runs' }).click();
    const rows = panel.page.getByTestId('runs-table').locator('tbody tr');
    await rows.first().waitFor();
    assert.strictEqual(await rows.nth(0).getByRole('button', { name: 'Export to Keras\u2026' }).count(), 0);
    await rows.nth(1).getByRole('button', { name: 'Export to Keras\u2026' }).click();
    await until(() => panel.requests.some((r) => r.type === 'exportKeras'), 'the export request');
    assert.deepStrictEqual(panel.requests.filter((r) => r.type === 'exportKeras'), [{ type: 'exportKeras', runId: RECORDED_RUN_DIR }]);
    // The button keeps to one line in the narrow panel (a toolkit button is about 26 px tall).
    const box = await rows.nth(1).getByRole('button', { name: 'Export to Keras\u2026' }).boundingBox();
    assert.ok(box && box.height < 40, `button height ${box?.height}`);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await panel.page.screenshot({ path: path.join(ARTIFACTS, 'runs-export-to-keras.png') });
    await assertClean();
  });

  it('reloads: a new page asks for the state and redraws identically; a reshown one draws from its saved state', async () => {
    const first = await open();
    for (const o of notebookRuns(8, 40, 10).slice(3)) feedRun(first, o);
    await first.sync();
    const snapshot = async (panel: PanelPage): Promise<unknown> => ({
      text: await panel.page.locator('#app').innerText(),
      charts: await panel.page.evaluate(`window.__probe.canvases('figure.chart .uplot canvas')`),
      mistakes: await panel.page.evaluate(`window.__probe.canvases('[data-testid=mistakes] canvas')`),
    });
    const before = await snapshot(first);

    // A reloaded webview: `ready`, then the host's whole state.
    const second = await open();
    Object.assign(second.host.state, JSON.parse(JSON.stringify(first.host.state)));
    second.host.receive({ type: 'ready' });
    await second.sync();
    assert.deepStrictEqual(await snapshot(second), before);
    assert.deepStrictEqual((await second.posted()).filter((m) => m.type === 'ready').length, 1, 'the page asked once, on load');

    // A reshown webview: getState() holds what it saved, and nobody answers `ready` yet.
    await first.until(`window.__savedState?.panel?.seq === ${first.host.state.seq}`);
    const saved = await first.page.evaluate('window.__savedState');
    const third = await open({ savedState: saved, noHost: true });
    await third.drawn(first.host.state.seq);
    assert.deepStrictEqual(await snapshot(third), before);
    await assertClean();
  });

  it('draws a burst of updates in one frame, and recovers from a missed update', async () => {
    const panel = await open();
    const [o] = notebookRuns(2, 400, 1);
    const messages = [...syntheticRun(o)];
    feed(panel, o.runDir, messages.slice(0, 1));
    await panel.sync();
    const renders = async (): Promise<number> => Number(await panel.page.locator('#app').getAttribute('data-renders'));
    const before = await renders();
    // 300 updates in one task: one animation frame draws them all.
    const updates = messages.slice(1, 301).map((message, i) => ({ type: 'update', seq: 1 + i, actions: [{ type: 'trainer', runId: o.runDir, message }] }));
    await panel.page.evaluate(`for (const u of ${JSON.stringify(updates)}) window.__push(u)`);
    await panel.drawn(301);
    assert.ok((await renders()) - before <= 2, `${(await renders()) - before} renders for 300 updates`);

    // An update that skips ahead means one was lost: the webview asks for the whole state.
    panel.push({ type: 'update', seq: 999, actions: [] });
    await panel.until(`window.__posted.filter((m) => m.type === 'ready').length === 2`);
    await assertClean();
  });

  it('redraws the charts in the new colours when VS Code switches theme', async () => {
    const panel = await open({ theme: DARK });
    feedRun(panel, notebookRuns(6, 40, 10)[0]);
    await panel.sync();
    const charts = (): Promise<string[]> => panel.page.evaluate(`window.__probe.canvases('.charts figure.chart .uplot canvas')`) as Promise<string[]>;
    const before = await charts();
    // What VS Code does: new variables on <html> (CSSOM, which the CSP allows), then a new body class.
    const set = Object.entries(LIGHT.variables).map(([k, v]) => `s.setProperty('--vscode-${k}', ${JSON.stringify(v)});`).join('');
    await panel.page.evaluate(`{ const s = document.documentElement.style; ${set} document.body.className = 'vscode-light'; }`);
    await panel.drawn(panel.host.state.seq);
    const after = await charts();
    assert.strictEqual(after.length, before.length);
    after.forEach((png, i) => assert.notStrictEqual(png, before[i], `chart ${i} kept its dark-theme colours`));
    await assertClean();
  });

  it('stays under 200 MB of JS heap for 50 epochs x 1,719 batches', async () => {
    const panel = await open();
    const [o] = notebookRuns(50, 1719, 1);
    const cdp = await panel.page.context().newCDPSession(panel.page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<number> => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    };
    let peak = 0;
    let epochs = 0;
    for (const message of syntheticRun({ ...o, earlyStoppingPatience: undefined })) {
      panel.host.dispatch({ type: 'trainer', runId: o.runDir, message });
      // One update per epoch (1,719 batch messages each): the worst a fast run can send.
      if (message.type === 'epoch') {
        panel.host.flush();
        if (++epochs % 10 === 0) {
          await panel.sync();
          peak = Math.max(peak, await heap());
        }
      }
    }
    await panel.sync();
    peak = Math.max(peak, await heap());
    await cdp.send('HeapProfiler.collectGarbage');
    const retained = await heap();
    const loss = panel.page.locator('figure.chart[data-metric="loss"]');
    assert.strictEqual(await loss.getAttribute('data-epoch-points'), '100');
    const batchPoints = Number(await loss.getAttribute('data-batch-points'));
    console.log(`      stress: ${50 * 1719} batch messages -> ${batchPoints} batch points; JS heap peak ${(peak / MB).toFixed(1)} MB, after GC ${(retained / MB).toFixed(1)} MB`);
    assert.ok(batchPoints <= 2000);
    assert.ok(peak < 200 * MB, `JS heap peaked at ${(peak / MB).toFixed(1)} MB`);
    await assertClean();
  });

  for (const theme of [LIGHT, DARK, HIGH_CONTRAST]) {
    it(`screenshots the ${theme.name} theme`, async () => {
      const panel = await open({ theme, height: 1000 });
      const runs = notebookRuns(30, 1719, 40);
      // The notebook's five variants; the one EarlyStopping stopped is shown.
      for (const o of runs) feedRun(panel, o);
      panel.host.dispatch({ type: 'showRun', runId: runs[3].runDir });
      await panel.sync();
      const page = panel.page;
      await page.screenshot({ path: path.join(ARTIFACTS, `${theme.name}-training.png`), fullPage: true });
      await page.getByRole('tab', { name: 'Compare' }).click();
      await page.getByTestId('compare-table').waitFor();
      await page.screenshot({ path: path.join(ARTIFACTS, `${theme.name}-compare.png`), fullPage: true });

      // Mid-training, smoothed and on a log scale.
      const live = await open({ theme, height: 760 });
      const [o] = notebookRuns(30, 1719, 40).slice(4);
      const messages = [...syntheticRun(o)];
      const cut = messages.findIndex((m) => m.type === 'batch' && m.epoch === 18 && m.step > 1000);
      feed(live, o.runDir, messages.slice(0, cut));
      await live.sync();
      // The slider by keyboard: 12 steps of 0.05.
      await live.page.locator('#smoothing').focus();
      for (let i = 0; i < 12; i++) await live.page.keyboard.press('ArrowRight');
      await live.page.locator('figure.chart[data-metric="loss"] vscode-checkbox').click();
      await live.sync();
      await live.page.screenshot({ path: path.join(ARTIFACTS, `${theme.name}-live.png`) });
      assert.strictEqual(live.host.state.seq > 0 && await live.page.locator('#smoothing').inputValue(), '0.6');
      for (const name of ['training', 'compare', 'live']) assert.ok(fs.statSync(path.join(ARTIFACTS, `${theme.name}-${name}.png`)).size > 10_000);
      await assertClean();
    });
  }
});
