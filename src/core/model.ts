/**
 * Semantic checks on a spec's syntax tree (the base spec, or a variant merged over it):
 * effective layer arguments, Keras shape inference and parameter counts, and the checks that
 * need the whole model (output vs labels and loss, memory, callbacks, the notebook's advice).
 */
import { getNodeValue, type Node } from 'jsonc-parser';
import { Code, type JsonPath } from './diagnostics';
import { type Reporter } from './checkStructure';
import { properties, openBrace } from './jsonTree';
import { checkCallbacks } from './checkCallbacks';
import {
  COMMON_LAYER_FIELDS, formatCount, formatShape, lookup, lookupActivation, lookupLayer, lookupLoss, lookupOptimizer,
  type Json, type LayerEntry, type ParamCount, type Shape,
} from './registry';
import { toSnakeCase } from './registry/names';
import { BUILTIN_DATASETS, type BuiltinDatasetInfo } from './data/dataSpec';
import { METRIC_MATH } from './metricMath';

/** What the core knows about one layer: its effective arguments, shapes and parameter count. */
export interface LayerInfo {
  index: number;
  path: JsonPath;
  /** The layer's object node. */
  node: Node;
  typeNode?: Node;
  type: string;
  entry?: LayerEntry;
  /** The explicit name, or the Keras default (`dense`, `dense_1`, ...). */
  name: string;
  nameNode?: Node;
  /** Effective, valid arguments with Keras defaults filled in (layer's own beat layer_defaults). */
  args: Record<string, Json>;
  /** Where each given argument's value is written (in the layer or in layer_defaults). */
  argNodes: Record<string, Node>;
  inputShape?: Shape;
  outputShape?: Shape;
  params?: ParamCount;
}

export interface ModelInfo {
  layers: LayerInfo[];
  layersNode?: Node;
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** True when every layer's output shape is known. */
  complete: boolean;
  dataset?: BuiltinDatasetInfo;
}

/** A training process can use about this much memory (wasm32 addresses 4 GiB). */
export const MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;

const valueOf = (r: Reporter, node: Node | undefined): Json | undefined =>
  node && !r.isBad(node) ? (getNodeValue(node) as Json) : undefined;

/** The canonical registry name of a ref value (`"HeNormal"` or `{ "type": "HeNormal" }`). */
export function refName(kind: 'activation' | 'initializer' | 'loss' | 'optimizer' | 'metric' | 'schedule', v: Json | undefined): string | undefined {
  const name = typeof v === 'string' ? v : v && typeof v === 'object' && !Array.isArray(v) && typeof v.type === 'string' ? v.type : undefined;
  return name === undefined ? undefined : lookup(kind, name)?.name;
}

const product = (dims: readonly (number | null)[]): number | null =>
  dims.every((d) => d !== null) ? (dims as number[]).reduce((a, b) => a * b, 1) : null;

/** Runs every semantic check on `root`, reporting into `r`; returns what it learned of the model. */
export function analyzeModel(root: Node, r: Reporter): ModelInfo {
  const top = properties(root);
  const dataNode = top.get('data')?.value;
  const data = properties(dataNode);
  const datasetName = valueOf(r, data.get('dataset')?.value);
  const dataset = typeof datasetName === 'string' ? BUILTIN_DATASETS[datasetName as keyof typeof BUILTIN_DATASETS] : undefined;

  const model = inferLayers(top.get('layers')?.value, top.get('layer_defaults')?.value, r, dataset);
  model.dataset = dataset;
  if (dataNode?.type === 'object') checkData(dataNode, r, dataset);
  const compile = properties(top.get('compile')?.value);
  const fit = properties(top.get('fit')?.value);
  if (model.complete && model.layers.length) {
    checkOutput(model, compile, r, dataset);
    checkMetrics(model, compile, r);
  }
  checkAdvice(model, r);
  checkMemory(model, compile, fit, r);
  checkCallbacks(fit.get('callbacks')?.value, compile, dataNode, r);
  checkSchedule(properties(compile.get('optimizer')?.value).get('learning_rate')?.value, r);
  return model;
}

/** What the schema cannot say about a PiecewiseConstantDecay: increasing boundaries, one more value. */
function checkSchedule(node: Node | undefined, r: Reporter): void {
  if (node?.type !== 'object' || r.isBad(node)) return;
  const props = properties(node);
  if (refName('schedule', valueOf(r, props.get('type')?.value)) !== 'PiecewiseConstantDecay') return;
  const bounds = props.get('boundaries')?.value;
  const values = props.get('values')?.value;
  const b = bounds?.type === 'array' ? bounds.children ?? [] : [];
  const path: JsonPath = ['compile', 'optimizer', 'learning_rate'];
  const unsorted = b.findIndex((n, i) => i > 0 && Number(n.value) <= Number(b[i - 1].value));
  if (bounds && unsorted > 0) {
    r.error(Code.InvalidSchedule, b[unsorted], [...path, 'boundaries', unsorted],
      `PiecewiseConstantDecay boundaries must increase, but ${String(b[unsorted].value)} follows ${String(b[unsorted - 1].value)}. Sort them, e.g. [1000, 2000].`);
  }
  const v = values?.type === 'array' ? values.children ?? [] : undefined;
  if (bounds && values && v && v.length !== b.length + 1) {
    r.error(Code.InvalidSchedule, values, [...path, 'values'],
      `PiecewiseConstantDecay needs one more value than boundaries (a rate before the first boundary and after each): ${b.length} boundaries, so ${b.length + 1} values, but it has ${v.length}.`);
  }
}

/** The layer's own name (checked), or Keras's default: its type's stem with a counter (`dense`, `dense_1`). */
function layerName(nameNode: Node | undefined, type: string, entry: LayerEntry | undefined, counters: Map<string, number>, path: JsonPath, r: Reporter): string {
  if (nameNode?.type === 'string' && nameNode.value) {
    const name = String(nameNode.value);
    checkLayerName(nameNode, name, [...path, 'name'], r);
    return name;
  }
  const stem = entry?.defaultName ?? (type ? toSnakeCase(type) : 'layer');
  const n = counters.get(stem) ?? 0;
  counters.set(stem, n + 1);
  return n ? `${stem}_${n}` : stem;
}

/**
 * Fills `info.args`: the layer's own arguments, else layer_defaults for its type, else Keras's
 * default. False when one is invalid or a required one is missing (reported).
 */
function effectiveArgs(info: LayerInfo, entry: LayerEntry, own: ReturnType<typeof properties>, defs: ReturnType<typeof properties>, r: Reporter): boolean {
  let usable = true;
  for (const f of [...COMMON_LAYER_FIELDS.filter((c) => c.name === 'trainable'), ...entry.args]) {
    const src = own.get(f.name) ?? (f.deprecatedAlias ? own.get(f.deprecatedAlias) : undefined)
      ?? defs.get(f.name) ?? (f.deprecatedAlias ? defs.get(f.deprecatedAlias) : undefined);
    const v = src?.value;
    if (v && !(v.type === 'null' && f.default === null)) {
      if (r.isBad(v)) usable = false;
      else {
        info.args[f.name] = getNodeValue(v) as Json;
        info.argNodes[f.name] = v;
      }
    } else if (f.default !== undefined) {
      info.args[f.name] = f.default;
    } else if (f.required) {
      usable = false;
      r.error(Code.MissingKey, info.typeNode ?? openBrace(info.node), info.path, `${info.type} layer "${info.name}" needs "${f.name}": ${f.doc}`);
    }
  }
  return usable;
}

/** Keras's Identity initializer fills 2-D matrices only: a Dense kernel, never a bias, a scale or a convolution kernel. */
function checkIdentityInitializers(info: LayerInfo, r: Reporter): void {
  for (const [arg, value] of Object.entries(info.args)) {
    if (!arg.endsWith('_initializer') || refName('initializer', value) !== 'identity') continue;
    if (arg === 'kernel_initializer' && info.type === 'Dense') continue;
    r.error(Code.ShapeError, info.argNodes[arg] ?? info.typeNode ?? openBrace(info.node), [...info.path, arg],
      `Layer "${info.name}": the identity initializer fills 2-D matrices only (a Dense kernel), and "${arg}" initializes a ${arg === 'kernel_initializer' ? `${info.type} kernel of another rank` : '1-D vector'}. Use e.g. "zeros" or "ones" here, or "glorot_uniform" for a kernel.`);
  }
}

/** Effective arguments, default names and shape inference through the layers. */
function inferLayers(layersNode: Node | undefined, defaultsNode: Node | undefined, r: Reporter, dataset: BuiltinDatasetInfo | undefined): ModelInfo {
  const layers: LayerInfo[] = [];
  const counters = new Map<string, number>();
  const names = new Map<string, LayerInfo>();
  const defaults = properties(defaultsNode);
  let shape: Shape | undefined;
  let broken = false;

  (layersNode?.type === 'array' ? layersNode.children ?? [] : []).forEach((node, index) => {
    const path: JsonPath = ['layers', index];
    if (node.type !== 'object') {
      broken = true;
      return;
    }
    const own = properties(node);
    const typeNode = own.get('type')?.value;
    const type = typeNode?.type === 'string' ? String(typeNode.value) : '';
    const entry = lookupLayer(type);
    const nameNode = own.get('name')?.value;
    const name = layerName(nameNode, type, entry, counters, path, r);
    const info: LayerInfo = { index, path, node, typeNode, type, entry, name, nameNode, args: {}, argNodes: {} };
    layers.push(info);
    const clash = names.get(name);
    if (clash) {
      r.error(Code.DuplicateName, nameNode ?? typeNode ?? openBrace(node), [...path, 'name'],
        `Two layers are named "${name}" (layers ${clash.index + 1} and ${index + 1}); Keras requires unique layer names. Rename one.`);
    } else names.set(name, info);
    if (!entry) {
      broken = true;
      return;
    }

    const usable = effectiveArgs(info, entry, own, properties(defaults.get(type)?.value), r);

    // Where the input shape comes from: Input(shape) or the first layer's input_shape.
    const inputShapeNode = own.get('input_shape')?.value;
    if (index === 0) {
      const shapeNode = entry.shapeArg ? info.argNodes[entry.shapeArg] : inputShapeNode;
      if (shapeNode && !r.isBad(shapeNode)) {
        shape = [null, ...(getNodeValue(shapeNode) as number[])];
        if (dataset) checkInputShape(shapeNode, shape, dataset, r, [...path, entry.shapeArg ?? 'input_shape']);
      } else if (!shapeNode && !(entry.shapeArg && !usable)) {
        const example = dataset ? JSON.stringify(dataset.exampleShape).replace(/,/g, ', ') : '[28, 28]';
        r.error(Code.MissingInputShape, typeNode ?? openBrace(node), path,
          `The first layer needs "input_shape" so the model can be built (Keras cannot infer shapes otherwise), e.g. "input_shape": ${example}` +
          (dataset ? ` for ${dataset.name} examples.` : '.'),
          dataset ? example : undefined);
        broken = true;
      } else broken = true;
    } else {
      if (entry.shapeArg) {
        r.error(Code.ShapeError, typeNode ?? openBrace(node), path, 'An Input layer can only be the first layer of a Sequential model. Move it to the top, or remove it.');
        broken = true;
      }
      if (inputShapeNode) {
        const key = own.get('input_shape')?.key ?? inputShapeNode;
        r.report('warning', Code.IgnoredInputShape, key, [...path, 'input_shape'], `"input_shape" only applies to the first layer; Keras ignores it on layer ${index + 1} ("${name}"). Remove it.`);
      }
    }

    if (broken || !usable || !shape) {
      broken = true;
      return;
    }
    info.inputShape = shape;
    checkIdentityInitializers(info, r);
    const result = entry.infer(shape, info.args);
    if (result.ok) {
      info.outputShape = result.shape;
      info.params = result.params;
      shape = result.shape;
    } else {
      const at = (result.arg && info.argNodes[result.arg]) || typeNode || node;
      r.error(Code.ShapeError, at, result.arg ? [...path, result.arg] : path, `Layer ${index + 1} ("${name}"): ${result.message}`);
      broken = true;
    }
  });

  const counted = layers.filter((l) => l.params);
  const trainable = counted.reduce((s, l) => s + (l.args.trainable === false ? 0 : (l.params as ParamCount).trainable), 0);
  const all = counted.reduce((s, l) => s + (l.params as ParamCount).trainable + (l.params as ParamCount).nonTrainable, 0);
  return {
    layers, layersNode, totalParams: all, trainableParams: trainable, nonTrainableParams: all - trainable,
    complete: !broken && layers.length > 0,
  };
}

/**
 * TensorFlow.js names each weight `<layer>/<weight>` and refuses names outside this pattern
 * (`Not a valid tensor name`); Keras 3 refuses `/` in layer names. Such names are rejected
 * rather than mapped to safe internal ones, so the summary, the saved model and exported Keras
 * files all carry the name the spec gives.
 */
const LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._]*$/;

function checkLayerName(node: Node, name: string, path: JsonPath, r: Reporter): void {
  if (LAYER_NAME.test(name)) return;
  const safe = name.replace(/[^-A-Za-z0-9._]+/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'layer';
  const shown = JSON.stringify(name.length > 40 ? name.slice(0, 37) + '...' : name);
  r.error(Code.InvalidLayerName, node, path,
    `Layer name ${shown} cannot be used: TensorFlow.js names the layer's weights after it, which allows only letters, digits, "_", "-" and "." (starting with a letter or digit). Did you mean "${safe}"?`, safe);
}

function checkInputShape(node: Node, shape: Shape, dataset: BuiltinDatasetInfo, r: Reporter, path: JsonPath): void {
  const want = product(dataset.exampleShape);
  const got = product(shape.slice(1));
  if (got !== want) {
    const example = JSON.stringify(dataset.exampleShape).replace(/,/g, ', ');
    r.error(Code.InputShapeMismatch, node, path,
      `Input shape ${JSON.stringify(shape.slice(1))} (${formatCount(got ?? 0)} values) does not match ${dataset.name} examples, which are ${example} (${formatCount(want ?? 0)} values). Use ${example}.`,
      example);
  }
}

/** The activation that produces the model's output, and where it is written. */
export function outputActivation(model: ModelInfo): { name: string; node?: Node; layer: LayerInfo } | undefined {
  for (let i = model.layers.length - 1; i >= 0; i--) {
    const l = model.layers[i];
    if (l.entry?.activationArg) {
      return { name: refName('activation', l.args[l.entry.activationArg]) ?? 'linear', node: l.argNodes[l.entry.activationArg] ?? l.typeNode, layer: l };
    }
    if (!l.entry?.passThrough) return { name: 'linear', node: l.typeNode, layer: l };
  }
  return undefined;
}

type Props = ReturnType<typeof properties>;

/** The last layer against the labels and the loss. */
function checkOutput(model: ModelInfo, compile: Props, r: Reporter, dataset: BuiltinDatasetInfo | undefined): void {
  const lossNode = compile.get('loss')?.value;
  const lossValue = valueOf(r, lossNode);
  const loss = lossValue === undefined ? undefined : lookupLoss(typeof lossValue === 'string' ? lossValue : String((lossValue as { type?: Json }).type));
  if (!loss || !lossNode) return;
  const fromLogits = typeof lossValue === 'object' && lossValue !== null && (lossValue as Record<string, Json>).from_logits === true;
  const last = model.layers[model.layers.length - 1];
  const out = last.outputShape as Shape;
  const units = out[out.length - 1];
  const unitsNode = (last.entry?.unitsArg && last.argNodes[last.entry.unitsArg]) || last.typeNode || last.node;
  const act = outputActivation(model);
  const classes = dataset?.numClasses;

  if (loss.family === 'sparse' || loss.family === 'categorical') {
    if (out.length > 2) {
      r.error(Code.OutputMismatch, last.typeNode ?? last.node, last.path,
        `The model outputs ${formatShape(out)}, but ${loss.name} needs one row of class scores per example, (None, classes). Add { "type": "Flatten" } before the last Dense layer.`);
    } else if (classes !== undefined && units !== classes) {
      r.error(Code.OutputMismatch, unitsNode, [...last.path, last.entry?.unitsArg ?? 'type'],
        `The last layer has ${units} outputs, but ${dataset?.name} has ${classes} classes: set "units": ${classes}.`, String(classes));
    }
    if (act && !fromLogits && !loss.scores && act.name !== 'softmax') {
      const logits = loss.args.some((a) => a.name === 'from_logits') ? ', or give the loss "from_logits": true' : '';
      r.report('warning', Code.OutputActivation, act.node ?? last.node, [...act.layer.path, 'activation'],
        `${loss.name} expects class probabilities, but the last layer's activation is ${act.name}. Use "activation": "softmax"${logits}.`, 'softmax');
    } else if (act && fromLogits && act.name === 'softmax') {
      r.report('warning', Code.OutputActivation, act.node ?? last.node, [...act.layer.path, 'activation'],
        `The loss has "from_logits": true, but the last layer already applies softmax, so softmax is applied twice. Use "activation": "linear" or drop from_logits.`, 'linear');
    }
    if (loss.family === 'categorical' && dataset) {
      r.error(Code.OutputMismatch, lossNode, ['compile', 'loss'],
        `${dataset.name} labels are class ids (0-${dataset.numClasses - 1}), but ${loss.name} expects one-hot rows. Use "sparse_categorical_crossentropy".`, 'sparse_categorical_crossentropy');
    }
  } else if (loss.family === 'regression' && dataset && (out.length > 2 || units !== 1)) {
    // Built-in labels are one class id per example: a loss that compares values needs one output.
    r.error(Code.OutputMismatch, out.length > 2 ? last.typeNode ?? last.node : unitsNode, out.length > 2 ? last.path : [...last.path, last.entry?.unitsArg ?? 'type'],
      `${dataset.name} labels are one class id per example, but the model outputs ${formatShape(out)}, so ${loss.name} cannot compare them. ` +
      `Use "sparse_categorical_crossentropy" with a softmax layer of ${dataset.numClasses} units, or end with one unit.`);
  }
  if (loss.family === 'binary') {
    if (act?.name === 'softmax') {
      r.report('warning', Code.SoftmaxBinaryCrossentropy, act.node ?? last.node, [...act.layer.path, 'activation'],
        `softmax with ${loss.name}: softmax makes the outputs sum to 1, so they are not independent 0/1 probabilities (a single softmax unit always outputs 1). Use "activation": "sigmoid".`, 'sigmoid');
    }
    if (classes !== undefined && classes > 2) {
      r.error(Code.OutputMismatch, lossNode, ['compile', 'loss'],
        `${dataset?.name} has ${classes} classes, but ${loss.name} is for 0/1 targets. Use "sparse_categorical_crossentropy" with a softmax layer of ${classes} units.`, 'sparse_categorical_crossentropy');
    }
  }
}

/** Metrics that compare each output with a label of its own (so they need as many labels as outputs). */
const ELEMENTWISE_METRICS = ['binary_crossentropy', 'precision', 'recall'];

/**
 * Sparse metrics read one score per class, so a one-unit output has no classes to pick from;
 * element-wise metrics cannot compare one class id with several outputs; and a metric reads the
 * labels the loss makes (class ids for a sparse loss, one value per output unit for the others),
 * so one made for the other kind compares outputs with the wrong labels.
 */
function checkMetrics(model: ModelInfo, compile: Props, r: Reporter): void {
  const last = model.layers[model.layers.length - 1];
  const out = last.outputShape as Shape;
  const units = out[out.length - 1];
  const metricsNode = compile.get('metrics')?.value;
  const loss = refName('loss', valueOf(r, compile.get('loss')?.value));
  const family = loss === undefined ? undefined : lookupLoss(loss)?.family;
  if (metricsNode?.type !== 'array') return;
  (metricsNode.children ?? []).forEach((m, i) => {
    const name = m.type === 'string' && !r.isBad(m) ? lookup('metric', String(m.value))?.name : undefined;
    const path = ['compile', 'metrics', i];
    if (units === 1 && name?.startsWith('sparse_categorical_')) {
      r.error(Code.MetricMismatch, m, path,
        `${name} needs one output unit per class, but the last layer has 1 unit (a single 0/1 score). Use "binary_accuracy" for a one-unit output, or give the last layer one unit per class.`, 'binary_accuracy');
    } else if (units !== 1 && name && ELEMENTWISE_METRICS.includes(name) && family === 'sparse') {
      r.error(Code.MetricMismatch, m, path,
        `${name} compares each output with a 0/1 label of its own, but ${loss} labels are one class id per example and the last layer has ${units} units. Use "accuracy" or "sparse_categorical_crossentropy".`, 'accuracy');
    } else if (name && family && METRIC_MATH[name] && (METRIC_MATH[name].labels === 'sparse') !== (family === 'sparse')) {
      const instead = labelsFit(name, family);
      r.error(Code.MetricMismatch, m, path, family === 'sparse'
        ? `${name} compares the outputs with one label per output unit (one-hot rows), but ${loss} labels are one class id per example. Use "${instead}".`
        : `${name} reads one class id per example, but ${loss} labels are ${FAMILY_LABELS[family]}, one per output unit. Use "${instead}".`, instead);
    }
  });
}

const FAMILY_LABELS: Record<string, string> = { categorical: 'one-hot rows', binary: '0/1 targets', regression: 'values' };

/** The metric of `name`'s kind for the labels of a loss `family`. */
function labelsFit(name: string, family: string): string {
  if (family === 'sparse') return name.startsWith('categorical_') ? `sparse_${name}` : 'accuracy';
  if (family === 'categorical') return name.replace(/^sparse_/, '');
  if (family === 'binary') return name.endsWith('crossentropy') ? 'binary_crossentropy' : 'binary_accuracy';
  return 'mean_absolute_error';
}

/** The notebook's advice on pairing activations with initializers. */
function checkAdvice(model: ModelInfo, r: Reporter): void {
  const weighted = model.layers.filter((l) => l.entry?.activationArg);
  const hidden = weighted.slice(0, -1);
  for (const l of weighted) {
    const e = l.entry as LayerEntry;
    const act = refName('activation', l.args[e.activationArg as string]);
    const init = e.kernelInitializerArg ? refName('initializer', l.args[e.kernelInitializerArg]) : undefined;
    const actNode = l.argNodes[e.activationArg as string];
    const initNode = e.kernelInitializerArg ? l.argNodes[e.kernelInitializerArg] : undefined;
    if (act === 'selu' && init !== undefined && init !== 'lecun_normal') {
      r.report('warning', Code.SeluInitializer, initNode ?? actNode ?? l.typeNode ?? l.node, [...l.path, initNode ? 'kernel_initializer' : 'activation'],
        `selu only self-normalizes with "kernel_initializer": "lecun_normal"; layer "${l.name}" uses ${init}. Use lecun_normal (the notebook's LeCun + SELU pairing).`, 'lecun_normal');
    }
    if ((init === 'he_normal' || init === 'he_uniform') && act !== undefined && lookupActivation(act)?.family === 'saturating' && hidden.includes(l)) {
      r.report('warning', Code.HeInitializerSaturating, initNode ?? actNode ?? l.typeNode ?? l.node, [...l.path, initNode ? 'kernel_initializer' : 'activation'],
        `${init} is made for ReLU-family activations; with ${act} it pushes units into saturation. Use glorot_uniform or glorot_normal (Glorot's variance rule for ${act}).`, init === 'he_normal' ? 'glorot_normal' : 'glorot_uniform');
    }
  }
  const sigmoids = hidden.filter((l) => refName('activation', l.args[l.entry?.activationArg as string]) === 'sigmoid');
  if (sigmoids.length >= 3) {
    const first = sigmoids[0];
    r.report('warning', Code.DeepSigmoid, first.argNodes[first.entry?.activationArg as string] ?? first.typeNode ?? first.node, [...first.path, 'activation'],
      `${sigmoids.length} hidden layers use sigmoid. Its gradient is at most 0.25, so gradients vanish through deep stacks and the first layers barely learn. Use relu (with he_normal) or elu/selu in hidden layers.`, 'relu');
  }
}

/** Extra float32 values per weight kept by the optimizer (momentum, moments, ...), from its registry entry. */
function optimizerSlots(opt: Json | undefined): number {
  const entry = lookupOptimizer(refName('optimizer', opt) ?? 'RMSprop');
  if (!entry) return 0; // an unknown optimizer is reported on its own
  const args = opt && typeof opt === 'object' && !Array.isArray(opt) ? opt : {};
  const set = (v: Json | undefined): boolean => v === true || (typeof v === 'number' && v > 0);
  return entry.slots + entry.slotArgs.filter((k) => set(args[k])).length;
}

/**
 * A model that cannot fit in a training process is an error before anything allocates. Counts
 * what the engines hold: the weights, their gradients, the optimizer's slots and a second copy
 * of the weights (the fused kernel keeps its own beside the TensorFlow.js model; a tfjs update
 * allocates the new value before freeing the old), three values per output for the batch
 * (pre-activation, activation, gradient), and a built-in dataset as float32 tensors.
 */
function checkMemory(model: ModelInfo, compile: Props, fit: Props, r: Reporter): void {
  const batchValue = valueOf(r, fit.get('batch_size')?.value);
  const dataset = model.dataset;
  // Keras runs one batch of the whole set when batch_size is larger than it (the trainer clamps too).
  const batch = Math.min(typeof batchValue === 'number' ? batchValue : 32, dataset?.trainCount ?? Infinity);
  const slots = optimizerSlots(valueOf(r, compile.get('optimizer')?.value));
  let bytes = dataset ? 4 * (dataset.trainCount + dataset.testCount) * (product(dataset.exampleShape) ?? 0) : 0;
  let worst: { layer: LayerInfo; bytes: number } | undefined;
  for (const l of model.layers) {
    if (!l.params || !l.outputShape) continue;
    const params = l.params.trainable + l.params.nonTrainable;
    const outputs = product(l.outputShape.slice(1)) ?? 0;
    const b = 4 * params * (3 + slots) + 4 * batch * outputs * 3;
    bytes += b;
    if (!worst || b > worst.bytes) worst = { layer: l, bytes: b };
  }
  if (bytes > MEMORY_LIMIT_BYTES && worst) {
    const l = worst.layer;
    const arg = l.entry?.unitsArg;
    const gb = (n: number): string => `${(n / 1024 ** 3).toFixed(n >= 100 * 1024 ** 3 ? 0 : 1)} GB`;
    r.error(Code.ModelTooLarge, (arg && l.argNodes[arg]) || l.typeNode || l.node, arg ? [...l.path, arg] : l.path,
      `Training this model needs about ${gb(bytes)} of memory (${formatCount(model.totalParams)} parameters: weights, gradients, optimizer state, the engine's copy, and a batch of ${batch}), more than the ${gb(MEMORY_LIMIT_BYTES)} a training process can use. ` +
      `Layer "${l.name}" alone needs ${gb(worst.bytes)} (${formatCount((l.params?.trainable ?? 0) + (l.params?.nonTrainable ?? 0))} parameters)` +
      (arg ? `: reduce its "${arg}".` : '.') + (model.layers.length > 20 ? ' Or use fewer layers.' : ''));
  }
}

/** One training source; no conflicting sources; slices that fit the data. */
function checkData(dataNode: Node, r: Reporter, dataset: BuiltinDatasetInfo | undefined): void {
  const data = properties(dataNode);
  const sources = ['dataset', 'npz', 'train'].filter((k) => data.has(k));
  if (sources.length === 0) {
    r.error(Code.MissingKey, openBrace(dataNode), ['data'], 'data needs a training source: "dataset": "mnist", "npz": "file.npz", or "train": { "x": ..., "y": ... }.');
  }
  for (const extra of sources.slice(1)) {
    const key = data.get(extra)?.key as Node;
    r.error(Code.ConflictingKeys, key, ['data', extra], `data has both "${sources[0]}" and "${extra}"; give only one training source.`);
  }
  if (dataset) {
    const first = properties(data.get('validation')?.value).get('first')?.value;
    const n = valueOf(r, first);
    if (first && typeof n === 'number' && n >= dataset.trainCount) {
      r.error(Code.OutOfRange, first, ['data', 'validation', 'first'], `${dataset.name} has ${formatCount(dataset.trainCount)} training examples, so "first" must be less than that (the notebook uses 5000).`);
    }
  }
}
