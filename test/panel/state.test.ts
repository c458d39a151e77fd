import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FromTrainer } from '../../src/shared/trainerProtocol';
import type { PanelState, RunView } from '../../src/panel/protocol';
import { applyAction, comparedRuns, initialPanelState, listRuns, loadRun, MAX_LOG_LINES, runTiming, summarizeResult } from '../../src/panel/state';
import { MAX_BATCH_POINTS } from '../../src/panel/series';
import { recordedMessages, RECORDED_RUN_DIR } from './fixtures';
import { notebookRuns, syntheticRun } from './syntheticRuns';

function replay(messages: Iterable<FromTrainer>, state = initialPanelState()): PanelState {
  for (const message of messages) {
    const runId = message.type === 'started' || message.type === 'done' ? message.runDir : (state.activeRunId ?? '');
    applyAction(state, { type: 'trainer', runId, message });
  }
  return state;
}

function onlyRun(state: PanelState): RunView {
  const runs = Object.values(state.runs);
  assert.strictEqual(runs.length, 1);
  return runs[0];
}

describe('panel state', () => {
  it('replays a recorded run: summary, history, progress, test metrics, result', () => {
    const messages = recordedMessages();
    const state = initialPanelState();
    // Midway through epoch 3: live progress and per-batch points, no result yet.
    const cut = messages.findIndex((m) => m.type === 'batch' && m.epoch === 2);
    replay(messages.slice(0, cut + 1), state);
    let run = onlyRun(state);
    assert.strictEqual(run.status, 'running');
    assert.strictEqual(run.backend, 'wasm');
    assert.deepStrictEqual(run.model?.layers.map((l) => l.params), [0, 235500, 60200, 20100, 1010]);
    assert.strictEqual(run.model?.totalParams, 316810);
    assert.strictEqual(run.history.loss.length, 2);
    assert.deepStrictEqual(run.progress && [run.progress.epoch, run.progress.step], [3, 1]);
    assert.strictEqual(run.bestMonitor, 'val_loss');
    assert.strictEqual(run.bestEpoch, 2);
    const timing = runTiming(run);
    assert.ok(timing.etaSeconds !== null && timing.etaSeconds > 0);
    assert.ok(Math.abs(timing.elapsedSeconds - (2.807 + 2.332 + 0.011)) < 1e-9);

    replay(messages.slice(cut + 1), state);
    run = onlyRun(state);
    assert.strictEqual(run.status, 'completed');
    assert.strictEqual(run.progress, null);
    assert.deepStrictEqual(run.history.val_accuracy, [0.8274000287055969, 0.8690000176429749, 0.9017999768257141]);
    assert.deepStrictEqual(run.test, { loss: 0.3629691004753113, accuracy: 0.8973000049591064 });
    assert.strictEqual(run.bestEpoch, 3);
    assert.strictEqual(run.durationSeconds, 8.067);
    assert.deepStrictEqual(runTiming(run), { elapsedSeconds: 8.067, etaSeconds: null });
    const batchMessages = messages.filter((m) => m.type === 'batch').length;
    assert.strictEqual(run.batches.x.length, batchMessages);
    assert.strictEqual(run.batches.x[run.batches.x.length - 1], 3, 'the last batch of epoch 3 sits on epoch 3');
    assert.strictEqual(state.seq, messages.length);
  });

  it('keeps 50 epochs x 1,719 batches under the per-series cap, evenly spaced', () => {
    const [options] = notebookRuns(50, 1719, 1);
    const state = replay(syntheticRun({ ...options, earlyStoppingPatience: undefined }));
    const run = onlyRun(state);
    assert.strictEqual(run.batches.seen, 50 * 1719);
    assert.ok(run.batches.x.length <= MAX_BATCH_POINTS, `${run.batches.x.length} points`);
    assert.ok(run.batches.x.length > MAX_BATCH_POINTS / 4, `${run.batches.x.length} points`);
    for (const values of Object.values(run.batches.values)) assert.strictEqual(values.length, run.batches.x.length);
    const gaps = run.batches.x.slice(1).map((x, i) => x - run.batches.x[i]);
    // One stride of batches apart everywhere (epoch boundaries included): uniform thinning.
    for (const g of gaps) assert.ok(Math.abs(g - gaps[0]) < 1e-9, `uneven gap ${g} vs ${gaps[0]}`);
    assert.strictEqual(run.history.loss.length, 50);
    // The whole state stays small enough to post and to keep in the webview's saved state.
    assert.ok(JSON.stringify(state).length < 1_000_000, `${JSON.stringify(state).length} bytes`);
  });

  it('marks early stopping and learning-rate changes, and takes the best epoch from EarlyStopping', () => {
    const runs = notebookRuns(30, 20, 5);
    const elu = onlyRun(replay(syntheticRun(runs.find((r) => r.variant === 'he_normal + elu')!)));
    const stop = elu.markers.find((m) => m.kind === 'earlyStopping');
    assert.ok(stop && stop.kind === 'earlyStopping');
    assert.strictEqual(elu.stoppedEarly, true);
    assert.strictEqual(elu.bestEpoch, stop.bestEpoch);
    assert.strictEqual(stop.epoch, elu.history.loss.length);
    assert.ok(elu.classification && elu.classification.misclassified.length > 0);

    const selu = onlyRun(replay(syntheticRun(runs.find((r) => r.variant === 'LecunNormal + selu')!)));
    const lr = selu.markers.filter((m) => m.kind === 'learningRate');
    assert.ok(lr.length > 0);
    assert.ok(lr.every((m) => m.kind === 'learningRate' && m.to === m.from / 2));
  });

  it('keeps the live run in view when another starts, and bounds the log', () => {
    const [a, b] = notebookRuns(2, 10, 1);
    const state = initialPanelState();
    const first = [...syntheticRun(a)];
    applyAction(state, { type: 'trainer', runId: a.runDir, message: first[0] });
    applyAction(state, { type: 'trainer', runId: b.runDir, message: [...syntheticRun(b)][0] });
    assert.strictEqual(state.activeRunId, a.runDir, 'a running run is not yanked away');
    for (let i = 0; i < MAX_LOG_LINES + 10; i++) {
      applyAction(state, { type: 'trainer', runId: a.runDir, message: { type: 'epochBegin', epoch: i, epochs: 1000 } });
    }
    assert.strictEqual(state.runs[a.runDir].log.length, MAX_LOG_LINES);
    assert.strictEqual(state.runs[a.runDir].log[MAX_LOG_LINES - 1], `Epoch ${MAX_LOG_LINES + 10}/1000`);
    applyAction(state, { type: 'trainer', runId: a.runDir, message: { type: 'error', message: 'Loss is NaN', runDir: a.runDir } });
    assert.strictEqual(state.runs[a.runDir].status, 'failed');
    assert.strictEqual(state.runs[a.runDir].error, 'Loss is NaN');
    applyAction(state, { type: 'showRun', runId: b.runDir });
    assert.strictEqual(state.activeRunId, b.runDir);
    applyAction(state, { type: 'showRun', runId: 'no such run' });
    assert.strictEqual(state.activeRunId, b.runDir);
  });

  it('ignores messages for runs that never started, and an error before `started` makes a failed run', () => {
    const state = initialPanelState();
    applyAction(state, { type: 'trainer', runId: 'x', message: { type: 'ready', pid: 1 } });
    applyAction(state, { type: 'trainer', runId: 'x', message: { type: 'epochBegin', epoch: 0, epochs: 1 } });
    assert.deepStrictEqual(state.runs, {});
    applyAction(state, { type: 'trainer', runId: 'runs/s/1', spec: 's', variant: 'v', message: { type: 'error', message: 'no data', runDir: 'runs/s/1' } });
    const failed = state.runs['runs/s/1'];
    assert.deepStrictEqual([failed.status, failed.spec, failed.variant, failed.error, state.activeRunId], ['failed', 's', 'v', 'no data', 'runs/s/1']);
  });

  it('turns NaN and Infinity into gaps (JSON would turn them into null anyway)', () => {
    const [o] = notebookRuns(1, 2, 1);
    const state = replay([...syntheticRun(o)].slice(0, 2));
    const runId = o.runDir;
    applyAction(state, { type: 'trainer', runId, message: { type: 'batch', epoch: 0, step: 2, steps: 2, metrics: { loss: NaN, accuracy: 0.5 }, elapsedSeconds: 1, etaSeconds: 0 } });
    applyAction(state, { type: 'trainer', runId, message: { type: 'epoch', epoch: 0, epochs: 1, metrics: { loss: Infinity, val_loss: 1 }, seconds: 1, samplesPerSecond: 1, steps: 2, stepsDone: 2 } });
    const run = state.runs[runId];
    assert.deepStrictEqual(run.batches.values.loss.slice(-1), [null]);
    assert.deepStrictEqual(run.history.loss, [null]);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(run.history)), run.history);
  });
});

describe('runs from folders', () => {
  it('loads the recorded run from its files the same as replaying it live', () => {
    const events = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'events.jsonl'), 'utf8');
    const result = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'result.json'), 'utf8');
    const loaded = loadRun(RECORDED_RUN_DIR, { events, result });
    const live = onlyRun(replay(recordedMessages()));
    assert.ok(loaded);
    // The folder may have moved since: the id is where the host found it, not the recorded runDir.
    assert.strictEqual(loaded.id, RECORDED_RUN_DIR);
    assert.deepStrictEqual({ ...loaded, id: live.id }, live);
  });

  it('survives a torn last line and garbage lines', () => {
    const events = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'events.jsonl'), 'utf8');
    const lines = events.trim().split('\n');
    const torn = ['not json', '{"type":"nonsense"}', '[1,2]', ...lines.slice(0, 20), '{"type":"epoch","epoch":', ''].join('\n');
    const run = loadRun('r', { events: torn });
    assert.ok(run);
    assert.strictEqual(run.status, 'running', 'no result.json: still marked running; the host knows whether a trainer is alive');
    assert.strictEqual(run.model?.layers.length, 5);
    assert.strictEqual(loadRun('r', { events: 'garbage', result: '{oops' }), null);
  });

  it('loads a run from result.json alone, and summarizes result.json for the past-runs list', () => {
    const result = fs.readFileSync(path.join(RECORDED_RUN_DIR, 'result.json'), 'utf8');
    const run = loadRun('r', { result });
    assert.ok(run);
    assert.strictEqual(run.model, null);
    assert.strictEqual(run.history.loss.length, 3);
    assert.strictEqual(run.status, 'completed');
    const summary = summarizeResult('r', result);
    assert.ok(summary);
    assert.deepStrictEqual([summary.variant, summary.epochsRun, summary.bestEpoch, summary.test?.accuracy], ['glorot_normal', 3, 3, 0.8973000049591064]);
    assert.strictEqual(summarizeResult('r', '{"no":"spec"}'), null);
    assert.strictEqual(summarizeResult('r', 'null'), null);
    const odd = summarizeResult('r', JSON.stringify({ spec: 's', status: 'weird', history: { loss: [1, 'x', null] }, test: { loss: 'no' } }));
    assert.deepStrictEqual(odd && [odd.status, odd.history.loss, odd.test, odd.epochsRun], ['failed', [1, null, null], {}, 3]);
  });

  it('lists past and live runs together, and compares the latest run of each variant of a spec by default', () => {
    const state = initialPanelState();
    const runs = notebookRuns(3, 10, 5);
    for (const o of runs.slice(0, 4)) replay(syntheticRun(o), state);
    const past = summarizeResult('runs/mnist-initializers/20261101-000000-glorot_normal', JSON.stringify({ spec: 'mnist-initializers', variant: 'glorot_normal', status: 'completed', history: {}, startedAt: '2026-11-01T00:00:00.000Z' }));
    const other = summarizeResult('runs/other/20261125-230000-base', JSON.stringify({ spec: 'other', variant: null, status: 'completed', history: {}, startedAt: '2026-11-25T23:00:00.000Z' }));
    applyAction(state, { type: 'pastRuns', runs: [past!, other!] });
    assert.deepStrictEqual(listRuns(state).map((r) => r.variant ?? r.spec), ['other', 'he_normal + elu', 'he_normal', 'glorot_uniform', 'glorot_normal', 'glorot_normal']);
    applyAction(state, { type: 'showRun', runId: runs[0].runDir });
    assert.deepStrictEqual(comparedRuns(state).map((r) => r.id), runs.slice(0, 4).map((r) => r.runDir).reverse());
    applyAction(state, { type: 'compareRuns', runIds: [other!.id, runs[1].runDir] });
    assert.deepStrictEqual(comparedRuns(state).map((r) => r.id), [other!.id, runs[1].runDir]);
  });
});
