import type { NamedEntry } from './types';

/** Weight regularizers (penalties added to the loss). */
export const REGULARIZERS: readonly NamedEntry[] = [
  { name: 'l1', aliases: ['L1'], tfjs: 'l1', doc: 'L1 penalty: l1 * sum(|w|).', args: [{ name: 'l1', type: { kind: 'number', min: 0 }, default: 0.01, doc: 'L1 factor.' }] },
  { name: 'l2', aliases: ['L2'], tfjs: 'l2', doc: 'L2 penalty: l2 * sum(w^2).', args: [{ name: 'l2', type: { kind: 'number', min: 0 }, default: 0.01, doc: 'L2 factor.' }] },
  {
    name: 'l1_l2', aliases: ['L1L2'], tfjs: 'l1l2', doc: 'L1 and L2 penalties together.',
    args: [
      { name: 'l1', type: { kind: 'number', min: 0 }, default: 0, doc: 'L1 factor.' },
      { name: 'l2', type: { kind: 'number', min: 0 }, default: 0, doc: 'L2 factor.' },
    ],
  },
];
