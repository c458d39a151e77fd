/** The recorded run under test/fixtures: a real 3-epoch training of the notebook's glorot_normal variant. */
import * as fs from 'fs';
import * as path from 'path';
import type { FromTrainer } from '../../src/shared/trainerProtocol';

/** The run folder (events.jsonl, result.json, history.csv), found from the compiled test folder (out/test/panel). */
export const RECORDED_RUN_DIR = path.resolve(__dirname, '../../..', 'test/fixtures/recorded/mnist-initializers/20261124-212135-glorot_normal');

/** Its trainer messages, in order. */
export function recordedMessages(): FromTrainer[] {
  return fs.readFileSync(path.join(RECORDED_RUN_DIR, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as FromTrainer);
}

/**
 * Real runs with training health (2 epochs on 3,000 MNIST images, `modelspec train`): the five
 * initializer variants (result.json and every third line of health.jsonl) and a deep sigmoid
 * stack with random_normal(stddev 1) weights (all its files). Test classifications left out.
 */
export const RECORDED_HEALTH_DIR = path.resolve(__dirname, '../../..', 'test/fixtures/recorded-health');

/** The recorded health runs' folders, the deep sigmoid stack last. */
export function recordedHealthRunDirs(): string[] {
  const dirs = (spec: string): string[] => fs.readdirSync(path.join(RECORDED_HEALTH_DIR, spec)).sort().map((d) => path.join(RECORDED_HEALTH_DIR, spec, d));
  return [...dirs('mnist-initializers'), ...dirs('deep-sigmoid')];
}

/** A recorded run folder's files as the host reads them. */
export function recordedRunFiles(dir: string): { events?: string; result?: string; health?: string } {
  const read = (name: string): string | undefined => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : undefined);
  return { events: read('events.jsonl'), result: read('result.json'), health: read('health.jsonl') };
}
