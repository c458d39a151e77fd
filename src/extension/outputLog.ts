/**
 * What the "Model Spec" Output channel shows for a run: exactly the Keras-style lines of
 * src/shared/kerasLog.ts, as the terminal does. Pure (no `vscode`), so a test can compare it with
 * the CLI's output for the same trainer messages.
 */
import { kerasLogLines } from '../shared/kerasLog';
import type { FromTrainer } from '../shared/trainerProtocol';

/** The lines one trainer message adds to the Output channel; `position` is e.g. `2 of 5` for a variant. */
export function outputChannelLines(m: FromTrainer, position: string | undefined): string[] {
  return kerasLogLines(m, position === undefined ? {} : { position }).map((l) => l.text);
}
