/**
 * The panel host reads run folders (issue 14): a `running` result whose trainer is gone shows
 * as `interrupted`, and a tampered classification (huge images, wrong lengths, non-numbers)
 * is checked before the webview sees it.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { processAlive, runFolderStatus, type ProcessProbe } from '../../src/core/runFiles';
import { checkClassification, readPastRuns, readRunFolder } from '../../src/extension/panelHost';
import type { Classification } from '../../src/shared/trainerProtocol';

function deadPid(): number {
  return Number(cp.spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

const GOOD: Classification = {
  matrix: [[5, 1], [2, 7]],
  classNames: ['cat', 'dog'],
  misclassified: [{ index: 3, label: 0, predicted: 1, confidence: 0.9, image: { width: 2, height: 2, channels: 1, data: Buffer.from([0, 64, 128, 255]).toString('base64') } }],
};

describe('run folder status: running is believed while its trainer lives', () => {
  const probe = (alive: number[]): ProcessProbe => ({ hostname: 'here', alive: (pid) => alive.includes(pid) });

  it('decides from the recorded pid and hostname', () => {
    assert.strictEqual(runFolderStatus({ status: 'completed', pid: 1 }, probe([])), 'completed');
    assert.strictEqual(runFolderStatus({ status: 'running', pid: 42, hostname: 'here' }, probe([42])), 'running');
    assert.strictEqual(runFolderStatus({ status: 'running', pid: 42, hostname: 'here' }, probe([])), 'interrupted');
    assert.strictEqual(runFolderStatus({ status: 'running', pid: 42 }, probe([])), 'interrupted');
    assert.strictEqual(runFolderStatus({ status: 'running', pid: 42, hostname: 'elsewhere' }, probe([])), 'running', 'another machine cannot be checked');
    for (const pid of [undefined, null, '42', 0, -1, 1.5]) assert.strictEqual(runFolderStatus({ status: 'running', pid }, probe([42])), 'interrupted', String(pid));
    assert.strictEqual(runFolderStatus({ status: 'exploded' }, probe([])), 'failed');
  });

  it('asks the system whether a process is alive', () => {
    assert.strictEqual(processAlive(process.pid), true);
    assert.strictEqual(processAlive(deadPid()), false);
  });
});

describe('checkClassification: what the webview may draw', () => {
  it('keeps a good one as it is', () => {
    assert.deepStrictEqual(checkClassification(GOOD), GOOD);
  });

  it('drops an image whose size does not match its bytes (a 10^6 x 10^6 image would hang the drawing loop)', () => {
    const huge = { ...GOOD, misclassified: [{ ...GOOD.misclassified[0], image: { width: 1e6, height: 1e6, channels: 1, data: 'AAAA' } }] };
    assert.deepStrictEqual(checkClassification(huge)?.misclassified, [{ index: 3, label: 0, predicted: 1, confidence: 0.9 }]);
    for (const image of [{ width: 2, height: 2, channels: 1, data: 'AAAA' }, { width: 2, height: 2, channels: 2, data: 'AAAAAA==' }, { width: 2, height: 2, channels: 1, data: '!!!!!!!!' }, 'x', null]) {
      const c = checkClassification({ ...GOOD, misclassified: [{ ...GOOD.misclassified[0], image }] });
      assert.strictEqual(c?.misclassified[0].image, undefined, JSON.stringify(image));
    }
  });

  it('refuses matrices of the wrong shape or with non-counts', () => {
    for (const matrix of [[], [[1, 2], [3]], [[1, 2]], [[1, 'x'], [2, 3]], [[1, -1], [2, 3]], [[1, 0.5], [2, 3]], [[1, null], [2, 3]], 'x', null]) {
      assert.strictEqual(checkClassification({ ...GOOD, matrix }), null, JSON.stringify(matrix));
    }
    const big = Array.from({ length: 1001 }, () => new Array(1001).fill(0));
    assert.strictEqual(checkClassification({ ...GOOD, matrix: big }), null);
    for (const v of [null, 'x', 5, [GOOD]]) assert.strictEqual(checkClassification(v), null);
  });

  it('names classes by index when names are missing, and drops mistakes naming classes that do not exist', () => {
    const c = checkClassification({
      matrix: GOOD.matrix, classNames: [7],
      misclassified: [{ index: 1, label: 5, predicted: 0, confidence: 0.5 }, { index: -1, label: 0, predicted: 1, confidence: 0.5 }, { index: 2, label: 0, predicted: 1, confidence: 'high' }, null, { index: 4, label: 1, predicted: 0, confidence: 0.25 }],
    });
    assert.deepStrictEqual(c, { matrix: GOOD.matrix, classNames: ['0', '1'], misclassified: [{ index: 4, label: 1, predicted: 0, confidence: 0.25 }] });
  });
});

describe('panel host: reading run folders', () => {
  let runs: string;
  const none = { isTraining: (): boolean => false };
  const result = (over: Record<string, unknown>): string => JSON.stringify({
    spec: 'm', specPath: '/x/m.model.json', variant: null, status: 'completed', backend: 'wasm', backendReason: '', history: { loss: [1, 0.5] },
    test: { loss: 0.4 }, bestEpoch: 2, bestMonitor: 'loss', stoppedEarly: false, epochsRun: 2, samplesPerSecond: 10, durationSeconds: 1,
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: null, pid: process.pid, hostname: os.hostname(), ...over,
  });
  function folder(name: string, files: Record<string, string>): string {
    const dir = path.join(runs, 'm', name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
    return dir;
  }

  beforeEach(() => {
    runs = fs.mkdtempSync(path.join(os.tmpdir(), 'modelspec-runfolders-'));
  });
  afterEach(() => fs.rmSync(runs, { recursive: true, force: true }));

  it('lists past runs: stale running ones as interrupted, live ones (ours, or a CLI trainer on this machine) as running', () => {
    const dead = deadPid();
    const done = folder('1-done', { 'result.json': result({}) });
    const stale = folder('2-stale', { 'result.json': result({ status: 'running', pid: dead }) });
    const old = folder('3-old', { 'result.json': result({ status: 'running', pid: undefined }) });
    const cli = folder('4-cli', { 'result.json': result({ status: 'running' }) });
    const ours = folder('5-ours', { 'result.json': result({ status: 'running', pid: dead }) });
    folder('6-garbage', { 'result.json': '{"spec": ' });
    const fifo = folder('7-fifo', {});
    cp.execFileSync('mkfifo', [path.join(fifo, 'result.json')]);
    fs.writeFileSync(path.join(runs, 'not-a-spec-folder'), '');
    const list = readPastRuns(runs, { isTraining: (id) => id === ours });
    const status = Object.fromEntries(list.map((r) => [r.id, r.status]));
    assert.deepStrictEqual(status, { [done]: 'completed', [stale]: 'interrupted', [old]: 'interrupted', [cli]: 'running', [ours]: 'running' });
    assert.deepStrictEqual(readPastRuns(path.join(runs, 'missing'), none), []);
  });

  it('opens a run with a tampered classification in result.json or events.jsonl, checked', () => {
    const bad = { matrix: [[1, 2], [3, 4]], classNames: ['a', 'b'], misclassified: [{ index: 0, label: 0, predicted: 1, confidence: 0.5, image: { width: 100000, height: 100000, channels: 1, data: 'AAAA' } }] };
    const fromResult = readRunFolder(folder('r', { 'result.json': result({ classification: bad }) }), none);
    assert.deepStrictEqual(fromResult?.classification?.misclassified, [{ index: 0, label: 0, predicted: 1, confidence: 0.5 }]);
    const broken = readRunFolder(folder('r2', { 'result.json': result({ classification: { matrix: [[1, 2], [3]], classNames: 'x', misclassified: 5 } }) }), none);
    assert.ok(broken);
    assert.strictEqual(broken.classification, null);
    const started = JSON.stringify({ type: 'started', spec: 'm', runDir: 'x' });
    const evaluation = JSON.stringify({ type: 'evaluation', metrics: { loss: 1 }, classification: { matrix: [['1', 2], [3, 4]], classNames: [], misclassified: [] } });
    const fromEvents = readRunFolder(folder('e', { 'events.jsonl': `${started}\n${evaluation}\n` }), none);
    assert.ok(fromEvents);
    assert.strictEqual(fromEvents.classification, null);
    assert.strictEqual(fromEvents.status, 'interrupted', 'events without a result: no trainer is writing it');
    // An epoch of 10^9 would have the reducer pad the history to a billion entries.
    const epoch = (n: number): string => JSON.stringify({ type: 'epoch', epoch: n, epochs: 2, steps: 1, stepsDone: 1, metrics: { loss: 0.5 }, seconds: 1, samplesPerSecond: 1 });
    const padded = readRunFolder(folder('p', { 'events.jsonl': [started, epoch(0), epoch(1e9), epoch(-1), epoch(1.5), epoch(1)].join('\n') }), none);
    assert.deepStrictEqual(padded?.history.loss, [0.5, 0.5]);
    const stale = readRunFolder(folder('s', { 'result.json': result({ status: 'running', pid: deadPid() }) }), none);
    assert.strictEqual(stale?.status, 'interrupted');
  });
});
