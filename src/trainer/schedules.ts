/**
 * Keras learning-rate schedules (`keras.optimizers.schedules`) as functions of the step: the
 * number of batches the optimizer has applied before this one (0 for the first batch).
 * Formulas follow the Keras 3 sources.
 */
import { resolveRef, type ResolvedRef } from '../core/resolve';
import type { Json } from '../core/registry';

export type Schedule = (step: number) => number;

/** The schedule of an optimizer's `learning_rate`, or undefined when it is a plain number. */
export function scheduleOf(learningRate: Json | undefined): Schedule | undefined {
  if (learningRate === null || typeof learningRate !== 'object' || Array.isArray(learningRate)) return undefined;
  return makeSchedule(resolveRef('schedule', learningRate));
}

/** A schedule from its resolved spec; throws with a message for values Keras would reject. */
export function makeSchedule(s: ResolvedRef): Schedule {
  const n = (k: string): number => s[k] as number;
  const init = n('initial_learning_rate');
  const steps = n('decay_steps');
  const phase = (step: number): number => (s.staircase === true ? Math.floor(step / steps) : step / steps);
  switch (s.type) {
    case 'ExponentialDecay': return (step) => init * n('decay_rate') ** phase(step);
    case 'InverseTimeDecay': return (step) => init / (1 + n('decay_rate') * phase(step));
    case 'PiecewiseConstantDecay': {
      const bounds = s.boundaries as number[];
      const values = s.values as number[];
      if (values.length !== bounds.length + 1) {
        throw new Error(`PiecewiseConstantDecay needs one more value than boundaries: ${bounds.length} boundaries, ${values.length} values.`);
      }
      if (bounds.some((b, i) => i > 0 && b <= bounds[i - 1])) throw new Error('PiecewiseConstantDecay boundaries must increase.');
      return (step) => {
        const i = bounds.findIndex((b) => step <= b);
        return values[i < 0 ? bounds.length : i];
      };
    }
    case 'PolynomialDecay': {
      const end = n('end_learning_rate');
      const power = n('power');
      return (step) => {
        let total = steps;
        let t = step;
        if (s.cycle === true) total = steps * (step === 0 ? 1 : Math.ceil(step / steps));
        else t = Math.min(step, steps);
        return (init - end) * (1 - t / total) ** power + end;
      };
    }
    case 'CosineDecay': {
      const alpha = n('alpha');
      const decay = (t: number, from: number): number => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (t / steps))) + alpha);
      const target = s.warmup_target as number | null;
      if (target === null || target === undefined) return (step) => decay(Math.min(step, steps), init);
      const warm = n('warmup_steps');
      return (step) => {
        const t = Math.min(step, steps + warm);
        return t < warm ? init + (target - init) * (t / warm) : decay(t - warm, target);
      };
    }
    default: throw new Error(`Learning-rate schedule ${s.type} is not supported.`);
  }
}
