/**
 * A tampered run folder in the panel (issue 14): the host checks it (panelHost.readRunFolder)
 * before the webview sees it, and the webview itself draws only what an image's bytes hold,
 * so neither hangs or fails. A run still marked running with no trainer shows as interrupted.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { readRunFolder } from '../../src/extension/panelHost';
import type { RunView } from '../../src/panel/protocol';
import { chromiumPath, launchChromium, PanelPage, PanelServer } from './harness';
import { DARK } from './themes';

/** A 10^6 x 10^6 image of four bytes: drawing it pixel by pixel would never end. */
const HUGE_IMAGE = { width: 1e6, height: 1e6, channels: 1, data: 'AAAAAA==' };

describe('training panel webview: tampered run folders (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let server: PanelServer;
  let dir: string;
  const pages: PanelPage[] = [];

  before(async function () {
    const executable = chromiumPath();
    if (!executable) {
      if (process.env.CI) throw new Error('Chromium not found: apt-get install chromium (or set $CHROMIUM)');
      this.skip();
    }
    server = await PanelServer.start();
    browser = await launchChromium(executable);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-hostile-panel-'));
  });
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function show(run: RunView): Promise<PanelPage> {
    const panel = await PanelPage.open(browser, server, { theme: DARK });
    pages.push(panel);
    panel.host.dispatch({ type: 'runOpened', run });
    panel.host.dispatch({ type: 'showRun', runId: run.id });
    await panel.sync();
    return panel;
  }

  it('the host drops a huge image and a broken matrix row; the run shows as interrupted', async () => {
    const dead = Number(cp.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const runDir = path.join(dir, 'm', '1');
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(runDir, 'result.json'), JSON.stringify({
      spec: 'm', specPath: '/x/m.model.json', variant: null, status: 'running', pid: dead, hostname: os.hostname(), backend: 'wasm', backendReason: '',
      history: { loss: [0.5] }, test: { loss: 0.4 }, bestEpoch: null, bestMonitor: null, stoppedEarly: false, epochsRun: 1, samplesPerSecond: 1, durationSeconds: 1,
      startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null,
      classification: { matrix: [[3, 1], [2, 4]], classNames: ['a', 'b'], misclassified: [{ index: 0, label: 0, predicted: 1, confidence: 0.75, image: HUGE_IMAGE }] },
    }));
    const run = readRunFolder(runDir, { isTraining: () => false });
    assert.ok(run);
    const panel = await show(run);
    assert.strictEqual(await panel.page.getByTestId('status').textContent(), 'Interrupted (the trainer is gone)');
    assert.strictEqual(await panel.page.getByTestId('confusion-matrix').locator('td.cm-cell').count(), 4);
    assert.strictEqual(await panel.page.getByTestId('mistakes').locator('canvas').count(), 1);
    assert.deepStrictEqual(await panel.problems(), []);
  });

  it('the webview alone still draws only what the bytes hold', async () => {
    const run = readRunFolder(path.join(dir, 'm', '1'), { isTraining: () => false });
    assert.ok(run);
    // Past the host's check, as a newer or buggy host might send it.
    run.id = `${run.id}-raw`;
    run.classification = { matrix: [[3, 1], [2, 4]], classNames: ['a', 'b'], misclassified: [{ index: 0, label: 0, predicted: 1, confidence: 0.75, image: HUGE_IMAGE as never }] };
    const panel = await show(run);
    assert.strictEqual(await panel.page.getByTestId('mistakes').locator('canvas').count(), 1);
    assert.deepStrictEqual(await panel.problems(), []);
  });
});
