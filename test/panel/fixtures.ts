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
