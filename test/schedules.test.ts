import * as assert from 'assert';
import { analyze } from '../src/core/analyze';
import { makeSchedule } from '../src/trainer/schedules';
import { resolveRef } from '../src/core/resolve';
import type { Json } from '../src/core/registry';
import { MLP, spec } from './helpers';

const at = (spec: Record<string, Json>, step: number): number => makeSchedule(resolveRef('schedule', spec))(step);
const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} != ${b}`);

describe('learning-rate schedules (Keras formulas, worked by hand)', () => {
  it('ExponentialDecay: continuous and staircase', () => {
    const s = { type: 'ExponentialDecay', initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 0.5 };
    close(at(s, 0), 0.1);
    close(at(s, 5), 0.1 * Math.SQRT1_2);
    close(at({ ...s, staircase: true }, 15), 0.05);
  });

  it('InverseTimeDecay', () => {
    const s = { type: 'InverseTimeDecay', initial_learning_rate: 0.1, decay_steps: 10, decay_rate: 1 };
    close(at(s, 10), 0.05);
    close(at({ ...s, staircase: true }, 15), 0.05);
  });

  it('PiecewiseConstantDecay: a boundary step still uses the earlier value', () => {
    const s = { type: 'PiecewiseConstantDecay', boundaries: [100, 200], values: [1, 0.5, 0.1] };
    assert.deepStrictEqual([0, 100, 101, 200, 201].map((t) => at(s, t)), [1, 1, 0.5, 0.5, 0.1]);
    assert.throws(() => at({ ...s, values: [1, 0.5] }, 0), /one more value than boundaries/);
  });

  it('PolynomialDecay: linear, clamped at the end, and cycling', () => {
    const s = { type: 'PolynomialDecay', initial_learning_rate: 0.1, decay_steps: 100, end_learning_rate: 0.01 };
    close(at(s, 50), 0.055);
    close(at(s, 150), 0.01);
    close(at({ ...s, cycle: true }, 150), 0.09 * 0.25 + 0.01);
  });

  it('CosineDecay: alpha floor and linear warmup', () => {
    const s = { type: 'CosineDecay', initial_learning_rate: 0.1, decay_steps: 100 };
    close(at(s, 50), 0.05);
    close(at(s, 500), 0);
    close(at({ ...s, alpha: 0.1 }, 50), 0.1 * (0.9 * 0.5 + 0.1));
    const w = { ...s, initial_learning_rate: 0, warmup_target: 0.1, warmup_steps: 10 };
    close(at(w, 5), 0.05);
    close(at(w, 10), 0.1);
    close(at(w, 60), 0.05);
  });

  it('validates a schedule as an optimizer learning_rate, with exact ranges for mistakes', () => {
    const good = spec(MLP).replace(/"optimizer":\s*[^,}]+(\})?/, '"optimizer": { "type": "SGD", "learning_rate": { "type": "ExponentialDecay", "initial_learning_rate": 0.1, "decay_steps": 1000, "decay_rate": 0.9 } }');
    assert.notStrictEqual(good, spec(MLP), 'the test spec has an optimizer to replace');
    assert.deepStrictEqual(analyze(good).diagnostics.filter((d) => d.severity === 'error'), []);
    const missing = good.replace('"decay_steps": 1000, ', '');
    const d = analyze(missing).diagnostics.find((x) => x.code === 'missing-key');
    assert.ok(d && /decay_steps/.test(d.message), JSON.stringify(analyze(missing).diagnostics));
    const typo = good.replace('ExponentialDecay', 'ExponentalDecay');
    const u = analyze(typo).diagnostics.find((x) => x.code === 'unknown-name');
    assert.ok(u && u.suggestion === 'ExponentialDecay', JSON.stringify(analyze(typo).diagnostics));
    assert.strictEqual(typo.slice(u.offset, u.offset + u.length), '"ExponentalDecay"');
    const word = good.replace(/\{ "type": "ExponentialDecay"[^}]*\}/, '"fast"');
    assert.ok(analyze(word).diagnostics.some((x) => x.code === 'unknown-name'), 'a string names a schedule, and "fast" is none');
    assert.deepStrictEqual(analyze(good.replace(/\{ "type": "ExponentialDecay"[^}]*\}/, '0.5')).diagnostics.filter((x) => x.severity === 'error'), []);
  });
});
