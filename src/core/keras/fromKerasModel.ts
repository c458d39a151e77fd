/**
 * One imported Keras model (from a saved config or from Python code) -> a spec object:
 * layers, compile and fit through the registry. Pure: no file access.
 */
import { lookupLayer, type Json } from '../registry';
import { argsFromKeras, asKerasObject, isNeutral, isObj, positionalArgs, refFromKeras, show, type KerasObject, type Report } from './fromKerasObjects';

type Obj = { [key: string]: Json };

/** A Sequential model as a source describes it, before mapping to the spec. */
export interface ImportedModel {
  /** The Python variable (`model_1`) or the Keras model name; names the variant. */
  name: string;
  /** 1-based source line where the model is built, when known. */
  line?: number;
  /** The layers in order, an `InputLayer` / `Input` first if the source has one. */
  layers: KerasObject[];
  /** `compile(...)` arguments or Keras's `compile_config` / `training_config`. */
  compile?: Obj;
  compileLine?: number;
  /** `fit(...)` arguments (epochs, batch_size, callbacks, validation_split, ...). */
  fit?: Obj;
  fitLine?: number;
  /** A spec `data` section the source's data code maps to. */
  data?: Obj;
  /**
   * Drop arguments equal to Keras's defaults: saved configs list every argument, while code
   * lists only what its author chose, which the spec keeps.
   */
  dropDefaults?: boolean;
}

const INPUT_CLASSES = new Set(['InputLayer', 'Input']);

/** The shape of one example from an InputLayer / Input / first layer's config. */
function inputShapeOf(config: Obj, positional: readonly Json[]): Json | undefined {
  const batch = config.batch_shape ?? config.batch_input_shape;
  if (Array.isArray(batch)) return batch.slice(1);
  return config.shape ?? config.input_shape ?? positional[0];
}

const SHAPE_KEYS = ['batch_shape', 'batch_input_shape', 'input_shape', 'batch_size'];

function layerFromKeras(ko: KerasObject, report: Report, dropDefaults: boolean): Obj | undefined {
  const entry = lookupLayer(ko.class_name);
  const line = ko.$line;
  if (!entry) {
    report(`layer type ${ko.class_name} is not supported by Model Spec; left out (the model will differ from the source).`, line);
    return undefined;
  }
  const what = ko.class_name;
  const config: Obj = { ...positionalArgs(entry.args, ko.args ?? [], what, report, line), ...ko.config };
  const { name, trainable, ...rest } = config;
  const shape = inputShapeOf(config, []);
  for (const k of SHAPE_KEYS) delete rest[k];
  const args = argsFromKeras(entry.args, rest, what, report, line);
  const layer: Obj = { type: entry.name };
  // Keras's own names (`dense`, `dense_3`) say nothing; the author's names are kept.
  if (typeof name === 'string' && !new RegExp(`^${entry.defaultName}(_\\d+)?$`).test(name)) layer.name = name;
  if (Array.isArray(shape) && (SHAPE_KEYS.some((k) => k in config))) layer.input_shape = shape;
  if (trainable === false) layer.trainable = false;
  for (const [k, v] of Object.entries(args)) {
    const dflt = entry.args.find((f) => f.name === k)?.default;
    if (!dropDefaults || JSON.stringify(dflt) !== JSON.stringify(v)) layer[k] = v;
  }
  return layer;
}

/** The spec's `layers` from a model's Keras layers: Input layers become the next layer's `input_shape`. */
export function layersFromKeras(objs: readonly KerasObject[], report: Report, dropDefaults = false): Obj[] {
  const layers: Obj[] = [];
  let pendingShape: Json | undefined;
  for (const ko of objs) {
    if (INPUT_CLASSES.has(ko.class_name)) {
      pendingShape = inputShapeOf(ko.config, ko.args ?? []);
      if (!Array.isArray(pendingShape)) report(`${ko.class_name}: its shape ${show(pendingShape)} is not a constant shape; left out.`, ko.$line);
      continue;
    }
    const layer = layerFromKeras(ko, report, dropDefaults);
    const shape = pendingShape;
    if (!layer) continue;
    pendingShape = undefined;
    if (Array.isArray(shape) && layers.length === 0 && layer.input_shape === undefined) {
      // Where a hand-written spec has it: after the type and name.
      const { type, name, ...rest } = layer;
      layers.push({ type, ...(name === undefined ? {} : { name }), input_shape: shape, ...rest });
    } else layers.push(layer);
  }
  return layers;
}

/** Keras compile settings that have no spec field but are harmless at these values. */
const NEUTRAL_COMPILE: Record<string, readonly Json[]> = {
  loss_weights: [null], weighted_metrics: [null, []], run_eagerly: [false, null], steps_per_execution: [1, null],
  jit_compile: ['auto', true, false, null], auto_scale_loss: [true, null], sample_weight_mode: [null],
};

function metricsFromKeras(value: Json, report: Report, line?: number): Json[] {
  // Keras 3's compile_config may nest the list per output: [["accuracy"]].
  const list = Array.isArray(value) ? value.flatMap((m) => (Array.isArray(m) ? m : [m])) : [value];
  return list.flatMap((m) => {
    // tf.keras 2 saved compiled metrics as wrappers named after the metric.
    const wrapped = asKerasObject(m);
    if (wrapped?.class_name === 'MeanMetricWrapper' && typeof wrapped.config.name === 'string') m = wrapped.config.name;
    const ref = refFromKeras('metric', m, 'metrics', report, line);
    // A metric object with arguments has no spec form; its name alone would change nothing it computes.
    return ref === undefined ? [] : [isObj(ref) ? (ref.type as string) : ref];
  });
}

/** The spec's `compile` from `compile(...)` arguments or a saved compile/training config. */
export function compileFromKeras(given: Obj, report: Report, line?: number): Obj {
  const out: Obj = {};
  for (const [key, value] of Object.entries(given)) {
    if (key === 'loss') {
      const loss = refFromKeras('loss', value, 'compile loss', report, line);
      if (loss !== undefined) out.loss = loss;
    } else if (key === 'optimizer' || key === 'optimizer_config') {
      const opt = refFromKeras('optimizer', value, 'compile optimizer', report, line);
      if (opt !== undefined) out.optimizer = opt;
    } else if (key === 'metrics') {
      if (value !== null) out.metrics = metricsFromKeras(value, report, line);
    } else if (!NEUTRAL_COMPILE[key]?.some((a) => JSON.stringify(a) === JSON.stringify(value))) {
      report(`compile: ${key}=${show(value)} is not supported; left out.`, line);
    }
  }
  return out;
}

const FIT_KEYS = ['epochs', 'batch_size', 'shuffle', 'verbose'];

/** The spec's `fit` (and a `validation_split` for the data section) from `fit(...)` arguments. */
export function fitFromKeras(given: Obj, report: Report, line?: number): { fit: Obj; validationSplit?: number } {
  const fit: Obj = {};
  let validationSplit: number | undefined;
  for (const [key, value] of Object.entries(given)) {
    if (FIT_KEYS.includes(key)) {
      if (typeof value === 'number' || typeof value === 'boolean') fit[key] = value;
      else report(`fit: ${key}=${show(value)} is not a constant; left out.`, line);
    } else if (key === 'callbacks') {
      const list = Array.isArray(value) ? value : [value];
      const callbacks = list.flatMap((c) => {
        const ref = refFromKeras('callback', c, 'fit callbacks', report, line);
        return ref === undefined ? [] : [typeof ref === 'string' ? { type: ref } : ref];
      });
      if (callbacks.length) fit.callbacks = callbacks;
    } else if (key === 'validation_split') {
      if (typeof value === 'number' && value > 0) validationSplit = value;
      else if (value !== 0) report(`fit: validation_split=${show(value)} is not a constant; left out.`, line);
    } else if (key !== 'x' && key !== 'y' && key !== 'validation_data' && !isNeutral(key, value)) {
      report(`fit: ${key}=${show(value)} is not supported; left out.`, line);
    }
  }
  return { fit, ...(validationSplit === undefined ? {} : { validationSplit }) };
}

/** One imported model as a complete spec object (without variants). */
export function specFromModel(m: ImportedModel, report: Report): Obj {
  const spec: Obj = {};
  const data: Obj | undefined = m.data ? { ...m.data } : undefined;
  const layers = layersFromKeras(m.layers, report, m.dropDefaults);
  if (!layers.length) report(`model ${m.name} has no layers Model Spec can import.`, m.line);
  const compile = m.compile ? compileFromKeras(m.compile, report, m.compileLine) : undefined;
  if (!compile?.loss) report(`model ${m.name} has no compile(loss=...) the import could read: add "compile": { "loss": ... } to the spec.`, m.compileLine ?? m.line);
  const fitted = m.fit ? fitFromKeras(m.fit, report, m.fitLine) : undefined;
  if (fitted?.validationSplit !== undefined) {
    if (data && !data.validation) data.validation = { split: fitted.validationSplit };
    else if (!data) report(`fit: validation_split=${fitted.validationSplit} needs a data section; add "data": { ..., "validation": { "split": ${fitted.validationSplit} } }.`, m.fitLine);
  }
  if (data) spec.data = data;
  spec.layers = layers;
  if (compile) spec.compile = compile;
  if (fitted && Object.keys(fitted.fit).length) spec.fit = fitted.fit;
  return spec;
}
