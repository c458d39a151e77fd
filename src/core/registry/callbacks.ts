import type { Field, NamedEntry } from './types';

const monitor: Field = { name: 'monitor', type: { kind: 'string', minLength: 1 }, default: 'val_loss', doc: 'Quantity to watch: `loss`, a metric, or its `val_` form (Keras names, e.g. `val_accuracy`).' };
const mode: Field = {
  name: 'mode', type: { kind: 'enum', values: ['auto', 'min', 'max'], docs: ['Minimize losses, maximize accuracy-like metrics.', 'Improvement means the value went down.', 'Improvement means the value went up.'] },
  default: 'auto', doc: '`min`, `max`, or `auto` (minimize losses, maximize accuracy-like metrics).',
};
const verbose: Field = { name: 'verbose', type: { kind: 'int', min: 0, max: 1 }, default: 0, doc: '1 prints the Keras message when the callback acts.' };

/** Training callbacks with Keras's arguments and defaults. */
export const CALLBACKS: readonly NamedEntry[] = [
  {
    name: 'EarlyStopping', aliases: [], doc: 'Stops training when the monitored quantity has stopped improving.',
    args: [
      monitor,
      { name: 'min_delta', type: { kind: 'number' }, default: 0, doc: 'Minimum change that counts as an improvement (its absolute value is used).' },
      { name: 'patience', type: { kind: 'int', min: 0 }, default: 0, doc: 'Epochs without improvement after which training stops.' },
      verbose,
      mode,
      { name: 'baseline', type: { kind: 'number' }, default: null, doc: 'Stop unless the model beats this value (null: no baseline).' },
      { name: 'restore_best_weights', type: { kind: 'bool' }, default: false, doc: 'At the end, restore the weights from the best epoch.' },
      { name: 'start_from_epoch', type: { kind: 'int', min: 0 }, default: 0, doc: 'Epochs to wait before watching for improvement (warm-up).' },
    ],
  },
  {
    name: 'ModelCheckpoint', aliases: [], doc: 'Saves the model at the end of epochs, optionally only when it improves: a .keras, .h5 or .weights.h5 path in that Keras format, any other path as a TensorFlow.js layers folder.',
    args: [
      { name: 'filepath', type: { kind: 'path' }, required: true, doc: 'Path inside the run folder, e.g. `best.keras` or `ckpt-{epoch:02d}.weights.h5`; may hold `{epoch:02d}` and log keys like `{val_loss:.2f}`.' },
      monitor,
      verbose,
      { name: 'save_best_only', type: { kind: 'bool' }, default: false, doc: 'Only save when the monitored quantity improves.' },
      { name: 'save_weights_only', type: { kind: 'bool' }, default: false, doc: 'Save only the weights, not the architecture.' },
      mode,
      { name: 'save_freq', type: { kind: 'enum', values: ['epoch'] }, default: 'epoch', doc: 'When to save: `epoch` (every epoch end).' },
      { name: 'initial_value_threshold', type: { kind: 'number' }, default: null, doc: 'Only save once the monitored value beats this.' },
    ],
  },
  {
    name: 'ReduceLROnPlateau', aliases: [], doc: 'Reduces the learning rate when the monitored quantity has stopped improving.',
    args: [
      monitor,
      { name: 'factor', type: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, default: 0.1, doc: 'new_lr = lr * factor (must be < 1).' },
      { name: 'patience', type: { kind: 'int', min: 0 }, default: 10, doc: 'Epochs without improvement before reducing.' },
      verbose,
      mode,
      { name: 'min_delta', type: { kind: 'number', min: 0 }, default: 0.0001, doc: 'Minimum change that counts as an improvement.' },
      { name: 'cooldown', type: { kind: 'int', min: 0 }, default: 0, doc: 'Epochs to wait after a reduction before counting again.' },
      { name: 'min_lr', type: { kind: 'number', min: 0 }, default: 0, doc: 'Lower bound on the learning rate.' },
    ],
  },
  {
    name: 'CSVLogger', aliases: [], doc: 'Streams the epoch results to a CSV file (the run folder always has `history.csv` too).',
    args: [
      { name: 'filename', type: { kind: 'path' }, required: true, doc: 'CSV file inside the run folder.' },
      { name: 'separator', type: { kind: 'string', minLength: 1 }, default: ',', doc: 'Column separator.' },
      { name: 'append', type: { kind: 'bool' }, default: false, doc: 'Append to an existing file instead of overwriting it.' },
    ],
  },
  { name: 'TerminateOnNaN', aliases: [], doc: 'Stops training as soon as the loss becomes NaN or infinite.', args: [] },
  {
    name: 'TensorBoard', aliases: [], doc: 'Writes TensorBoard event files: epoch_<metric> scalars in <log_dir>/train and <log_dir>/validation, weight histograms, the model graph.',
    args: [
      { name: 'log_dir', type: { kind: 'path' }, default: 'logs', doc: 'Folder inside the run folder for the event files (`train/` and `validation/` below it).' },
      { name: 'histogram_freq', type: { kind: 'int', min: 0 }, default: 0, doc: 'Write weight histograms every this many epochs (0: never).' },
      { name: 'write_graph', type: { kind: 'bool' }, default: true, doc: 'Write the model\'s Keras config, shown as its graph in TensorBoard.' },
      { name: 'update_freq', type: { kind: 'enum', values: ['epoch', 'batch'] }, default: 'epoch', doc: '`epoch`: scalars per epoch; `batch`: also `batch_<metric>` after every batch.' },
    ],
  },
];
