/**
 * Keras 3 `TensorBoard` (keras/src/callbacks/tensorboard.py): event files in `<log_dir>/train`
 * and `<log_dir>/validation` with `epoch_<key>` scalars at step = epoch (0-based), the learning
 * rate in the train folder, weight histograms every `histogram_freq` epochs, the model config
 * when `write_graph`, and `batch_<key>` scalars with `update_freq: "batch"`.
 */
import * as path from 'path';
import { EventFileWriter } from '../keras/eventFile';
import type { Callback, Logs, TrainingControl } from './types';

/** TensorBoard options, resolved; `log_dir` is an absolute path inside the run folder. */
export interface TensorBoardOptions {
  log_dir: string;
  /** Write weight histograms every this many epochs; 0 never. Keras default 0. */
  histogram_freq: number;
  /** `epoch` (Keras default) or `batch`: also write running batch metrics after every batch. */
  update_freq: 'epoch' | 'batch';
  /** Write the model's Keras config (the graph dashboard's conceptual graph). Keras default true. */
  write_graph: boolean;
  /** The model as Keras's `to_json()` (for write_graph). */
  modelJson: string;
  /** The weights to histogram in Keras's order: `<layer>/<variable>` and the index of its array in `snapshotWeights()`. */
  weights: readonly { tag: string; index: number }[];
}

/** Writes TensorBoard event files as Keras's TensorBoard callback does. */
export class TensorBoard implements Callback {
  private train?: EventFileWriter;
  private validation?: EventFileWriter;
  private batches = 0;

  constructor(private readonly options: TensorBoardOptions) {
    // Only a batch-level TensorBoard asks the loop for every batch.
    if (options.update_freq === 'batch') {
      this.onBatchEnd = (_batch, logs) => {
        this.batches++;
        for (const [k, v] of Object.entries(logs)) this.train?.scalar(`batch_${k}`, this.batches, v);
      };
    }
  }

  onTrainBegin(): void {
    this.train = new EventFileWriter(path.join(this.options.log_dir, 'train'));
    if (this.options.write_graph) this.train.modelConfig('keras', this.options.modelJson);
    this.train.flush();
  }

  /** With update_freq "batch": the running batch metrics as `batch_<key>` at the 1-based global batch, as Keras steps them. */
  readonly onBatchEnd?: (batch: number, logs: Logs) => void;

  onEpochEnd(epoch: number, logs: Logs, ctl: TrainingControl): void {
    const train = (this.train ??= new EventFileWriter(path.join(this.options.log_dir, 'train')));
    const trainLogs = Object.entries(logs).filter(([k]) => !k.startsWith('val_') && k !== 'learning_rate');
    // Keras reads the optimizer's rate (`_collect_learning_rate`) after the other train keys.
    for (const [k, v] of [...trainLogs, ['learning_rate', ctl.getLearningRate()] as const]) train.scalar(`epoch_${k}`, epoch, v);
    const valLogs = Object.entries(logs).filter(([k]) => k.startsWith('val_'));
    if (valLogs.length) {
      const val = (this.validation ??= new EventFileWriter(path.join(this.options.log_dir, 'validation')));
      for (const [k, v] of valLogs) val.scalar(`epoch_${k.slice(4)}`, epoch, v);
      val.flush();
    }
    if (this.options.histogram_freq > 0 && epoch % this.options.histogram_freq === 0) {
      const arrays = ctl.snapshotWeights() as { data: ArrayLike<number> }[];
      for (const w of this.options.weights) train.histogram(`${w.tag}/histogram`, epoch, arrays[w.index].data);
    }
    train.flush();
  }

  onTrainEnd(): void {
    this.train?.close();
    this.validation?.close();
    this.train = this.validation = undefined;
  }
}
