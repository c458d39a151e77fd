import * as assert from 'assert';
import type { FromTrainer, HealthMessage } from '../../src/shared/trainerProtocol';
import { PanelHost, type HostRequest } from '../../src/extension/panelHost';
import type { PanelState, ToWebview } from '../../src/panel/protocol';
import { firstNonFinite, HEALTH_HISTOGRAM, healthLayers, healthSampleCap, layerHistograms, layerSeries, MAX_HEALTH_SAMPLES, parseHealthJsonl } from '../../src/panel/health';
import { applyAction, initialPanelState, loadRun } from '../../src/panel/state';
import { notebookHealthRuns, SIGMOID_PROFILE, syntheticHealthRun } from './syntheticHealth';

function replay(runId: string, messages: Iterable<FromTrainer>, state = initialPanelState()): PanelState {
  for (const message of messages) applyAction(state, { type: 'trainer', runId, message });
  return state;
}

const sigmoid = (): ReturnType<typeof notebookHealthRuns>[number] => notebookHealthRuns().find((r) => r.profile === SIGMOID_PROFILE)!;

describe('panel state: training health', () => {
  it('keeps every sample of a short live run, without the message type or diagnoses, and the latest diagnoses', () => {
    const { options, profile } = sigmoid();
    const messages = [...syntheticHealthRun(options, profile)];
    const healthMessages = messages.filter((m): m is HealthMessage => m.type === 'health');
    // Midway: only the diagnoses seen so far.
    const cut = messages.indexOf(healthMessages[Math.floor(healthMessages.length * 0.1)]);
    const state = replay(options.runDir, messages.slice(0, cut + 1));
    let run = state.runs[options.runDir];
    assert.deepStrictEqual(run.health.diagnoses.map((d) => d.code), ['vanishing-gradients']);
    assert.strictEqual(run.health.sampling, 'every 20 steps, in the fused kernel');

    replay(options.runDir, messages.slice(cut + 1), state);
    run = state.runs[options.runDir];
    assert.strictEqual(run.health.samples.length, healthMessages.length);
    assert.strictEqual(run.health.seen, healthMessages.length);
    assert.deepStrictEqual(run.health.diagnoses.map((d) => [d.code, d.layer, d.epoch]),
      [['vanishing-gradients', 'dense', 1], ['saturation', 'dense_1', 1], ['learning-rate-low', null, 2]]);
    const first = run.health.samples[0] as unknown as Record<string, unknown>;
    assert.strictEqual(first.type, undefined);
    assert.strictEqual(first.diagnoses, undefined);
    assert.deepStrictEqual(healthLayers(run).map((l) => `${l.name}:${l.activation}`), ['dense:sigmoid', 'dense_1:sigmoid', 'dense_2:sigmoid', 'dense_3:softmax']);

    // What the Health view draws: fractional epochs on x, the first layer's gradient far below the last's.
    const grad = layerSeries(run, 'dense', 'gradientNorm');
    const top = layerSeries(run, 'dense_3', 'gradientNorm');
    assert.strictEqual(grad.x[0], 10 / 200);
    assert.strictEqual(grad.x[grad.x.length - 1], 3);
    assert.ok((grad.y[0] as number) / (top.y[0] as number) < 1e-4, `${grad.y[0]} vs ${top.y[0]}`);
    assert.ok(layerSeries(run, 'dense', 'deadFraction').y.every((v) => v === null), 'no dead fraction for sigmoid');
    const strips = layerHistograms(run, 'dense_1');
    assert.strictEqual(strips.length, healthMessages.length);
    assert.ok(strips.every((s) => s.length === HEALTH_HISTOGRAM.bins && Math.abs(s.reduce((a, b) => a + b, 0) - 1) < 1e-9));
    assert.strictEqual(firstNonFinite(run), null);
    // A layer that goes NaN is named, with when.
    const broken = healthMessages[20];
    applyAction(state, { type: 'trainer', runId: options.runDir, message: { ...broken, epoch: 2, step: 7, layers: broken.layers.map((l, i) => ({ ...l, nonFinite: i === 2 ? 5 : 0 })) } });
    assert.deepStrictEqual(firstNonFinite(state.runs[options.runDir]), { layer: 'dense_2', epoch: 3, step: 7 });
  });

  it('thins a long run evenly under the cap and keeps the state small', () => {
    const { options, profile } = sigmoid();
    const state = replay(options.runDir, syntheticHealthRun({ ...options, epochs: 40, stepsPerEpoch: 500, batchEvery: 5 }, profile));
    const health = state.runs[options.runDir].health;
    assert.strictEqual(health.seen, 40 * 100);
    const cap = healthSampleCap(4);
    assert.strictEqual(cap, MAX_HEALTH_SAMPLES);
    assert.ok(health.samples.length <= cap && health.samples.length > cap / 2, `${health.samples.length} samples`);
    const steps = health.samples.map((s) => s.globalStep);
    const gaps = steps.slice(1).map((x, i) => x - steps[i]);
    assert.ok(gaps.every((g) => g === gaps[0]), 'evenly spaced');
    assert.strictEqual(gaps[0], 5 * health.stride);
    assert.ok(JSON.stringify(state).length < 1_500_000, `${JSON.stringify(state).length} bytes`);
    // Many layers keep fewer samples.
    assert.ok(healthSampleCap(200) < 40 && healthSampleCap(100_000) === 16);
  });

  it('reads a past run from health.jsonl: bad lines skipped, no double count with events.jsonl, result.json has the last word', () => {
    const { options, profile } = sigmoid();
    const messages = [...syntheticHealthRun(options, profile)];
    const health = messages.filter((m): m is HealthMessage => m.type === 'health');
    const lines = health.map((m) => JSON.stringify(m));
    const bad = [
      'not json', '{"type":"health","epoch":0}', JSON.stringify({ ...health[0], layers: [{ type: 'Dense' }] }),
      JSON.stringify({ ...health[0], type: 'batch' }), '[1,2]',
    ];
    // A torn last line, as when the trainer is killed mid-write.
    const jsonl = [lines[0], ...bad, ...lines.slice(1), lines[0].slice(0, 40)].join('\n');
    assert.strictEqual(parseHealthJsonl(jsonl).length, health.length);
    const done = messages[messages.length - 1];
    assert.ok(done.type === 'done');
    const result = { ...done.result, health: { layers: [], diagnoses: [health[health.length - 1].diagnoses[0], { code: 'dead-units' }] } };
    const events = messages.map((m) => JSON.stringify(m)).join('\n');
    const run = loadRun('runs/x', { events, result: JSON.stringify(result), health: jsonl });
    assert.ok(run);
    assert.strictEqual(run.health.samples.length, health.length, 'health.jsonl only, not events.jsonl as well');
    assert.deepStrictEqual(run.health.diagnoses.map((d) => d.code), ['vanishing-gradients'], 'result.json\'s diagnoses, the malformed one dropped');
    assert.deepStrictEqual(run.health.diagnoses[0].fix, SIGMOID_PROFILE.diagnoses[0].fix);

    // Without health.jsonl, the health messages in events.jsonl count; a NaN statistic (null in JSON) stays null.
    const withNull = messages.map((m) => (m.type === 'health' ? JSON.stringify(m).replace(/"gradientNorm":[^,]+/, '"gradientNorm":null') : JSON.stringify(m))).join('\n');
    const fromEvents = loadRun('runs/x', { events: withNull });
    assert.strictEqual(fromEvents?.health.samples.length, health.length);
    assert.strictEqual(fromEvents?.health.samples[0].layers[0].gradientNorm, null);
    // Only a result and health.jsonl (events.jsonl lost): still a run with its samples.
    assert.strictEqual(loadRun('runs/x', { result: JSON.stringify(result), health: jsonl })?.health.samples.length, health.length);
  });

  it('adds runs loaded for the overlay without changing the run in view or replacing loaded runs', () => {
    const [a, b] = notebookHealthRuns(1, 20, 5);
    const state = replay(a.options.runDir, syntheticHealthRun(a.options, a.profile));
    const live = state.runs[a.options.runDir];
    const pastA = loadRun(a.options.runDir, { events: '' , result: JSON.stringify({ spec: 'other' }) });
    const pastB = loadRun(b.options.runDir, { events: [...syntheticHealthRun(b.options, b.profile)].map((m) => JSON.stringify(m)).join('\n') });
    assert.ok(pastA && pastB);
    applyAction(state, { type: 'runsLoaded', runs: [pastA, pastB] });
    assert.strictEqual(state.activeRunId, a.options.runDir);
    assert.strictEqual(state.runs[a.options.runDir], live);
    assert.strictEqual(state.runs[b.options.runDir].health.samples.length, 4);
  });

  it('restores health after a reload: the whole state carries it, and updates keep a webview copy equal', () => {
    const posted: ToWebview[] = [];
    const requests: HostRequest[] = [];
    const host = new PanelHost({ post: (m) => posted.push(JSON.parse(JSON.stringify(m)) as ToWebview), onRequest: (r) => requests.push(r), schedule: () => () => undefined });
    const { options, profile } = sigmoid();
    const messages = [...syntheticHealthRun(options, profile)];
    const half = Math.floor(messages.length / 2);
    for (const message of messages.slice(0, half)) host.dispatch({ type: 'trainer', runId: options.runDir, message });
    host.receive({ type: 'ready' });
    const first = posted.pop();
    assert.ok(first?.type === 'state');
    const local = first.state;
    for (const message of messages.slice(half)) host.dispatch({ type: 'trainer', runId: options.runDir, message });
    host.flush();
    const update = posted.pop();
    assert.ok(update?.type === 'update');
    for (const action of update.actions) applyAction(local, action);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(local)), JSON.parse(JSON.stringify(host.state)));
    assert.strictEqual(local.runs[options.runDir].health.diagnoses.length, 3);
    // The requests of the Health tab are the host's to handle.
    host.receive({ type: 'applyHealthFix', runId: options.runDir, code: 'saturation', layer: 'dense_1' });
    host.receive({ type: 'loadRuns', runIds: ['runs/a'] });
    assert.deepStrictEqual(requests.map((r) => r.type), ['applyHealthFix', 'loadRuns']);
  });
});
