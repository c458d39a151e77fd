/**
 * The files and folders the trainer writes into every run folder. They are reserved: a callback
 * path naming one (or a path inside one) would overwrite the run's own record, so validation
 * refuses it and the trainer names its files from this one list.
 */

/** The run's spec as resolved, the Keras summary, the epoch history, the event log and the outcome. */
export const RUN_FILES = {
  spec: 'spec.json',
  summary: 'summary.txt',
  history: 'history.csv',
  events: 'events.jsonl',
  health: 'health.jsonl',
  result: 'result.json',
} as const;

/** Folders the trainer writes: the final model. */
export const RUN_FOLDERS = {
  model: 'model',
} as const;

/** Every reserved name, in lower case (file systems on macOS and Windows ignore case). */
export const RESERVED_RUN_NAMES: readonly string[] = [...Object.values(RUN_FILES), ...Object.values(RUN_FOLDERS)];
