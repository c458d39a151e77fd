/** The stock TensorFlow.js engine: `trainOnBatch` on gathered rows, `model.evaluate` for splits. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { healthLayers } from '../../core/health/layers';
import { countNonFinite, l2Norm, outputStats, updateRatio, type Block } from '../../core/health/stats';
import type { LayerHealth } from '../../core/health/types';
import type { Split } from '../../core/data/load';
import { getLearningRate, setLearningRate } from '../compileModel';
import type { Metrics } from '../../shared/trainerProtocol';
import type { Engine, EngineSetup, MeasuredBatch, OutputVisitor } from './engine';
import { predictBatches } from '../classification';

/** A weighted layer as this engine measures it: its health entry, its kernel, the layer whose output is measured. */
interface Probe {
  name: string;
  type: string;
  activation: string;
  layer: tfl.layers.Layer;
  kernel: tf.Variable;
  output: tfl.SymbolicTensor;
}

/** A tensor's values as a [batch][rest] block. */
function blockOf(values: Float32Array, shape: number[]): Block {
  const rows = shape[0] ?? 1;
  const cols = rows ? values.length / rows : 0;
  return { data: values, rows, cols, stride: cols };
}
import { SplitEvaluator } from './splitEvaluator';

export class TfjsEngine implements Engine {
  private readonly model: tfl.LayersModel;
  private readonly spec: EngineSetup['spec'];
  private readonly optimizer: tf.Optimizer;
  private readonly evaluator: SplitEvaluator;
  private readonly train: { x: tf.Tensor; y: tf.Tensor };
  private readonly probes: Probe[];
  /** The model's input to every measured output, made at the first measured step. */
  private outputs: tfl.LayersModel | undefined;

  constructor(setup: EngineSetup) {
    this.model = setup.model;
    this.spec = setup.spec;
    this.optimizer = setup.optimizer;
    this.evaluator = new SplitEvaluator(setup.model, setup.spec);
    this.train = this.evaluator.tensorsOf(setup.data.train);
    this.probes = healthLayers(setup.spec).map((h) => {
      const layer = this.model.getLayer(h.name);
      return {
        name: h.name, type: h.type, activation: h.activation, layer,
        kernel: layer.weights[0].read() as tf.Variable,
        output: this.model.getLayer(setup.spec.layers[h.outputIndex].name).output as tfl.SymbolicTensor,
      };
    });
  }

  async trainBatch(rows: Int32Array, learningRate: number): Promise<readonly number[]> {
    const [xb, yb] = this.gather(rows);
    const values = await this.step(xb, yb, learningRate);
    tf.dispose([xb, yb]);
    return values;
  }

  /**
   * Measures on the batch before training on it: the kernels' gradients by tf.grads on the loss
   * (the data term, as the fused kernel measures it), the outputs by a forward pass in training
   * mode (batch statistics, as the step sees them), then the step, then the kernels again for the
   * update ratio.
   */
  async measureBatch(rows: Int32Array, learningRate: number): Promise<MeasuredBatch> {
    const [xb, yb] = this.gather(rows);
    const before = this.probes.map((p) => p.kernel.dataSync().slice() as Float32Array);
    const [gradients, outValues] = this.keepingStatistics(() => [this.kernelGradients(xb, yb), this.outputValues(xb)] as const);
    const values = await this.step(xb, yb, learningRate);
    tf.dispose([xb, yb]);
    const layers = this.probes.map((p, i): LayerHealth => {
      const kernel = blockOf(before[i], p.kernel.shape);
      const grad = gradients[i];
      const out = outputStats(blockOf(outValues[i].data, outValues[i].shape), p.activation);
      return {
        name: p.name, type: p.type, activation: p.activation,
        gradientNorm: grad ? l2Norm(blockOf(grad, p.kernel.shape)) : null,
        weightNorm: l2Norm(kernel),
        updateRatio: p.layer.trainable ? updateRatio(kernel, blockOf(p.kernel.dataSync() as Float32Array, p.kernel.shape)) : null,
        ...out,
        nonFinite: out.nonFinite + (grad ? countNonFinite(blockOf(grad, p.kernel.shape)) : 0),
      };
    });
    return { values, layers };
  }

  async inspectBatch(rows: Int32Array): Promise<LayerHealth[]> {
    const [xb, yb] = this.gather(rows);
    const outValues = this.outputValues(xb);
    tf.dispose([xb, yb]);
    return this.probes.map((p, i) => {
      const out = outputStats(blockOf(outValues[i].data, outValues[i].shape), p.activation);
      const weightNorm = l2Norm(blockOf(p.kernel.dataSync() as Float32Array, p.kernel.shape));
      return { name: p.name, type: p.type, activation: p.activation, gradientNorm: null, weightNorm, updateRatio: null, ...out };
    });
  }

  /** Every measured layer's outputs for a batch, by a forward pass in training mode. */
  private outputValues(xb: tf.Tensor): { data: Float32Array; shape: number[] }[] {
    this.outputs ??= tfl.model({ inputs: this.model.inputs, outputs: this.probes.map((p) => p.output) });
    const outs = tf.tidy(() => { const o = (this.outputs as tfl.LayersModel).apply(xb, { training: true }) as tf.Tensor | tf.Tensor[]; return Array.isArray(o) ? o : [o]; });
    const values = outs.map((t) => ({ data: t.dataSync() as Float32Array, shape: t.shape }));
    tf.dispose(outs);
    return values;
  }

  /**
   * Runs `measure` and puts the moving statistics back as they were: a forward pass in training
   * mode moves them (tfjs's BatchNormalization does), and measuring must not change what is learned.
   */
  private keepingStatistics<T>(measure: () => T): T {
    const stats = this.model.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.nonTrainableWeights.slice(-2));
    const kept = stats.map((w) => w.read().clone());
    try {
      return measure();
    } finally {
      stats.forEach((w, i) => w.write(kept[i]));
      tf.dispose(kept);
    }
  }

  /** The trainable kernels' loss gradients for a batch (undefined for a frozen layer). */
  private kernelGradients(xb: tf.Tensor, yb: tf.Tensor): (Float32Array | undefined)[] {
    const trainable = this.probes.filter((p) => p.layer.trainable);
    if (!trainable.length) return this.probes.map(() => undefined);
    // A Sequential model compiles into its inner functional model, which holds the loss function.
    const compiled = (this.model as unknown as { model?: tfl.LayersModel }).model ?? this.model;
    const lossFn = compiled.lossFunctions[0];
    const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(yb, this.model.apply(xb, { training: true }) as tf.Tensor)) as tf.Scalar, trainable.map((p) => p.kernel));
    const out = this.probes.map((p) => (p.layer.trainable ? (grads[p.kernel.name].dataSync() as Float32Array) : undefined));
    tf.dispose([value, ...Object.values(grads)]);
    return out;
  }

  private gather(rows: Int32Array): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const idx = tf.tensor1d(rows, 'int32');
      return [tf.gather(this.train.x, idx), tf.gather(this.train.y, idx)];
    });
  }

  private async step(xb: tf.Tensor, yb: tf.Tensor, learningRate: number): Promise<readonly number[]> {
    // The loop keeps the rate in this optimizer already; only a caller with another rate changes it.
    if (getLearningRate(this.optimizer) !== learningRate) setLearningRate(this.optimizer, learningRate);
    const out = await this.model.trainOnBatch(xb, yb);
    return Array.isArray(out) ? out : [out];
  }

  async evaluate(split: Split, onOutputs?: OutputVisitor): Promise<Metrics> {
    const metrics = await this.evaluator.evaluate(split);
    if (onOutputs) predictBatches(this.model, split, this.spec, onOutputs);
    return metrics;
  }

  /** The model is where this engine trains: nothing to move. */
  loadWeights(): void {}

  /** The model is where this engine trains: nothing to move. */
  storeWeights(): void {}

  dispose(): void {
    this.evaluator.dispose();
    this.outputs = undefined;
  }
}
