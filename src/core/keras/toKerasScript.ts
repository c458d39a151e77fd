/**
 * A resolved spec as a runnable Keras 3 training script: data loading (keras.datasets or local
 * files), the validation slice and scaling, the Sequential with its initializers and seed,
 * compile, callbacks, fit and evaluate, optionally inside a tf.distribute strategy.
 */
import { lookup, lookupLayer, type Field, type Json, type NameKind } from '../registry';
import { toClassName } from '../registry/names';
import type { DataSource, DataSpec } from '../data/dataSpec';
import type { ResolvedLayer, ResolvedRef, ResolvedSpec } from '../resolve';
import { checkpointFormat } from './checkpointFormat';
import { floatLiteral, isFloatArg } from './kerasJson';
import { kerasModelName } from './toKerasConfig';

/** `none`, or the tf.distribute strategy the script builds the model in. */
export type Distribute = 'none' | 'mirrored' | 'multiworker';

export interface ScriptOptions {
  distribute?: Distribute;
  /** The spec's folder relative to the script's (data paths are relative to the spec). Default `.`. */
  specDir?: string;
}

/** A JSON value as a Python literal; `key` names the argument, so Keras's float arguments get `0.0`. */
export function pyLiteral(v: Json, key?: string): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return `float("${v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan'}")`;
    return isFloatArg(key) ? floatLiteral(v) : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x, key)).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x, k)}`).join(', ')}}`;
}

const isRef = (v: Json | undefined): v is ResolvedRef => !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as ResolvedRef).type === 'string';

/** Whether a resolved value is the field's Keras default (so the script can leave it out). */
function isDefault(field: Field, v: Json): boolean {
  if (isRef(v)) return Object.keys(v).length === 1 && v.type === field.default;
  return JSON.stringify(v) === JSON.stringify(field.default);
}

/** `keras.initializers.HeNormal(seed=1)`: a registry reference as the Keras object that takes its arguments. */
function refCall(kind: Exclude<NameKind, 'layer'>, module: string, ref: ResolvedRef): string {
  const { type, ...args } = ref;
  const entry = lookup(kind, type);
  const given = Object.entries(args).filter(([k, v]) => {
    const f = entry?.args.find((a) => a.name === k);
    return !f || !isDefault(f, v);
  });
  const className = kind === 'optimizer' || kind === 'schedule' ? type : toClassName(type);
  return `${module}.${className}(${given.map(([k, v]) => `${k}=${value(k, v)}`).join(', ')})`;
}

/** An argument value: nested schedules become objects, everything else a literal. */
function value(name: string, v: Json): string {
  if (name === 'learning_rate' && isRef(v)) return refCall('schedule', 'keras.optimizers.schedules', v);
  return pyLiteral(v, name);
}

const REF_MODULES: Partial<Record<NameKind, string>> = { initializer: 'keras.initializers', regularizer: 'keras.regularizers' };

/** One layer as a `keras.layers.X(...)` call with the arguments that differ from Keras's defaults. */
function layerCall(layer: ResolvedLayer): string {
  const entry = lookupLayer(layer.type);
  const parts: string[] = [];
  for (const f of entry?.args ?? []) {
    const v = layer.args[f.name];
    if (v === undefined || (isDefault(f, v) && !f.required)) continue;
    const kind = f.type.kind === 'ref' ? f.type.ref : undefined;
    const module = kind && REF_MODULES[kind];
    parts.push(`${f.name}=${module && isRef(v) ? refCall(kind as 'initializer', module, v) : pyLiteral(v, f.name)}`);
  }
  if (layer.args.trainable === false) parts.push('trainable=False');
  parts.push(`name=${pyLiteral(layer.name)}`);
  return `keras.layers.${layer.type}(${parts.join(', ')})`;
}

/** The Sequential: `keras.Input` first (the spec's Input layer, or the first layer's input_shape). */
function modelLines(spec: ResolvedSpec): string[] {
  const first = spec.layers[0];
  const shape = `(${first.inputShape.slice(1).join(', ')}${first.inputShape.length === 2 ? ',' : ''})`;
  const input = `keras.Input(shape=${shape}${first.type === 'Input' ? `, name=${pyLiteral(first.name)}` : ''})`;
  const layers = spec.layers.filter((l) => l.type !== 'Input').map(layerCall);
  return [
    'def build_model():',
    `    model = keras.Sequential([`,
    `        ${input},`,
    ...layers.map((l) => `        ${l},`),
    `    ], name=${pyLiteral(kerasModelName(spec))})`,
    '    model.compile(',
    `        loss=${lossCall(spec.compile.loss)},`,
    `        optimizer=${refCall('optimizer', 'keras.optimizers', spec.compile.optimizer)},`,
    `        metrics=${pyLiteral(spec.compile.metrics.map((m) => m.name))},`,
    '    )',
    '    return model',
  ];
}

function lossCall(ref: ResolvedRef): string {
  const entry = lookup('loss', ref.type);
  const changed = entry?.args.some((f) => f.default !== undefined && ref[f.name] !== f.default);
  return changed ? refCall('loss', 'keras.losses', ref) : pyLiteral(ref.type);
}

/** Python that loads one local source into (x, y). */
function sourceExpr(s: DataSource): string {
  return 'csv' in s
    ? `load_csv(DATA_DIR / ${pyLiteral(s.csv)}, ${pyLiteral(s.label_column ?? 'label')})`
    : `(load_array(DATA_DIR / ${pyLiteral(s.x)}), load_array(DATA_DIR / ${pyLiteral(s.y)}))`;
}

/** Helpers for local IDX / NPY (raw or .gz) and CSV files, only when the spec uses them. */
const FILE_HELPERS = [
  'def load_array(path):',
  '    """An IDX or NPY array, raw or gzipped."""',
  '    opener = gzip.open if str(path).endswith(".gz") else open',
  '    with opener(path, "rb") as f:',
  '        data = f.read()',
  '    if data[:6] == b"\\x93NUMPY":',
  '        return np.load(io.BytesIO(data))',
  '    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}',
  '    ndim = data[3]',
  '    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])',
  '    return np.frombuffer(data, dtype=dtypes[data[2]], offset=4 + 4 * ndim).reshape(shape)',
  '',
  '',
  'def load_csv(path, label_column):',
  '    """A CSV file with a header: the label column as y, the other columns as x."""',
  '    with open(path, newline="") as f:',
  '        rows = list(csv.reader(f))',
  '    header, body = rows[0], np.array(rows[1:], dtype=np.float32)',
  '    label = header.index(label_column)',
  '    return np.delete(body, label, axis=1), body[:, label].astype(np.int64)',
];

function usesFiles(data: DataSpec): boolean {
  const v = data.validation;
  return !!data.train || !!data.test || (!!v && !('first' in v) && !('split' in v));
}

/** Data loading, the validation slice, the limit and the scale, as the trainer applies them. */
function dataLines(spec: ResolvedSpec, data: DataSpec): string[] {
  const lines: string[] = [];
  if (data.dataset) lines.push(`(x_train, y_train), (x_test, y_test) = keras.datasets.${data.dataset}.load_data()`);
  else if (data.npz) {
    lines.push(`with np.load(DATA_DIR / ${pyLiteral(data.npz)}) as f:`, '    x_train, y_train, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]');
  } else if (data.train) {
    lines.push(`x_train, y_train = ${sourceExpr(data.train)}`, data.test ? `x_test, y_test = ${sourceExpr(data.test)}` : 'x_test = y_test = None');
  }
  const v = data.validation;
  if (v && 'first' in v) {
    lines.push(`# The first ${v.first} training examples validate; the rest train.`, `x_valid, y_valid = x_train[:${v.first}], y_train[:${v.first}]`, `x_train, y_train = x_train[${v.first}:], y_train[${v.first}:]`);
  } else if (v && !('split' in v)) {
    lines.push(`x_valid, y_valid = ${sourceExpr(v)}`);
  }
  if (data.limit !== undefined) lines.push(`x_train, y_train = x_train[:${data.limit}], y_train[:${data.limit}]`);
  const hasValid = !!v && !('split' in v);
  const splits = ['x_train', ...(hasValid ? ['x_valid'] : []), 'x_test'];
  const shape = `(-1, ${spec.layers[0].inputShape.slice(1).join(', ')})`;
  lines.push(`# Inputs as float32 in the model's input shape${data.scale !== undefined ? `, divided by ${data.scale}` : ''}.`);
  for (const s of splits) {
    const scaled = `${s}.astype("float32").reshape${shape}${data.scale !== undefined ? ` / ${pyLiteral(data.scale)}` : ''}`;
    lines.push(s === 'x_test' ? `x_test = None if x_test is None else ${scaled}` : `${s} = ${scaled}`);
  }
  return lines;
}

/** A callback as `keras.callbacks.X(...)`; paths land in RUN_DIR as the trainer's run folder holds them. */
function callbackCall(ref: ResolvedRef): string {
  const { type, ...args } = ref;
  const entry = lookup('callback', type);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(args)) {
    const f = entry?.args.find((a) => a.name === k);
    if (f && isDefault(f, v) && !f.required) continue;
    if (f?.type.kind === 'path' || k === 'log_dir') {
      parts.push(`${k}=str(RUN_DIR / ${pyLiteral(scriptPath(type, String(v), args.save_weights_only === true))})`);
    } else parts.push(`${k}=${pyLiteral(v, k)}`);
  }
  return `keras.callbacks.${type}(${parts.join(', ')})`;
}

/** Keras 3's ModelCheckpoint refuses paths without its extensions; the script adds the one the trainer's folder stands for. */
function scriptPath(type: string, p: string, weightsOnly: boolean): string {
  if (type !== 'ModelCheckpoint' || checkpointFormat(p, weightsOnly) !== 'tfjs') return p;
  return `${p.replace(/\.(h5|hdf5|keras)$/i, '')}${weightsOnly ? '.weights.h5' : '.keras'}`;
}

const STRATEGIES: Record<Exclude<Distribute, 'none'>, string> = {
  mirrored: 'tf.distribute.MirroredStrategy()',
  multiworker: 'tf.distribute.MultiWorkerMirroredStrategy()',
};

function headerLines(spec: ResolvedSpec, o: Required<ScriptOptions>, files: boolean): string[] {
  return [
    '#!/usr/bin/env python3',
    `"""Trains ${spec.name}${spec.variant ? ` (variant ${spec.variant})` : ''} with Keras 3, as its model spec describes.`,
    '',
    'Written by `modelspec export --format keras-script`. Run with: python3 train.py',
    '"""',
    ...(files ? ['import csv', 'import gzip', 'import io', 'import struct'] : []),
    'import contextlib',
    'from pathlib import Path',
    '',
    'import numpy as np',
    'import keras',
    '',
    '# "none": this machine\'s default device; "mirrored": every GPU of this machine',
    '# (tf.distribute.MirroredStrategy); "multiworker": a cluster described by TF_CONFIG',
    '# (tf.distribute.MultiWorkerMirroredStrategy). Both need the TensorFlow backend.',
    `DISTRIBUTE = ${pyLiteral(o.distribute)}`,
    `DATA_DIR = Path(__file__).resolve().parent / ${pyLiteral(o.specDir)}`,
    `RUN_DIR = Path(${pyLiteral(`runs/${spec.name}${spec.variant ? `-${spec.variant}` : ''}`)})`,
    ...(spec.seed === undefined ? [] : [`SEED = ${spec.seed}`]),
    '',
  ];
}

function strategyLines(): string[] {
  return [
    'def strategy_scope():',
    '    """The scope the model is built and compiled in: the default device, or a tf.distribute strategy."""',
    '    if DISTRIBUTE == "none":',
    '        return contextlib.nullcontext()',
    '    import tensorflow as tf',
    `    strategy = ${STRATEGIES.mirrored} if DISTRIBUTE == "mirrored" else ${STRATEGIES.multiworker}`,
    '    print(f"Training on {strategy.num_replicas_in_sync} replicas ({DISTRIBUTE})")',
    '    return strategy.scope()',
  ];
}

function fitLines(spec: ResolvedSpec, data: DataSpec): string[] {
  const v = data.validation;
  const validation = !v ? '' : 'split' in v ? `, validation_split=${floatLiteral(v.split)}` : ', validation_data=(x_valid, y_valid)';
  const f = spec.fit;
  return [
    'def main():',
    ...(spec.seed === undefined ? [] : ['    keras.utils.set_random_seed(SEED)']),
    ...dataLines(spec, data).map((l) => `    ${l}`),
    '    with strategy_scope():',
    '        model = build_model()',
    '    model.summary()',
    '    RUN_DIR.mkdir(parents=True, exist_ok=True)',
    `    callbacks = [${spec.fit.callbacks.map(callbackCall).join(', ')}]`,
    '    for c in callbacks:',
    '        # Checkpoints and logs may name sub-folders of the run folder.',
    '        for attr in ("filepath", "filename"):',
    '            if isinstance(getattr(c, attr, None), str):',
    '                Path(getattr(c, attr)).parent.mkdir(parents=True, exist_ok=True)',
    `    model.fit(x_train, y_train, epochs=${f.epochs}, batch_size=${f.batch_size}, shuffle=${pyLiteral(f.shuffle)}${validation}, callbacks=callbacks, verbose=${f.verbose === 0 ? 0 : 2})`,
    '    if x_test is not None:',
    `        print("Test:", model.evaluate(x_test, y_test, batch_size=${f.batch_size}, return_dict=True, verbose=0))`,
    `    model.save(RUN_DIR / "model.keras")`,
  ];
}

/** The script for a resolved spec (which must have a `data` section to train on). */
export function toKerasScript(spec: ResolvedSpec, options: ScriptOptions = {}): string {
  const o: Required<ScriptOptions> = { distribute: options.distribute ?? 'none', specDir: options.specDir ?? '.' };
  const data = spec.data;
  if (!data) throw new Error('The spec has no "data" section, so the script would have nothing to train on.');
  const files = usesFiles(data);
  return [
    ...headerLines(spec, o, files),
    ...(files ? ['', ...FILE_HELPERS, '', ''] : ['']),
    ...strategyLines(), '', '',
    ...modelLines(spec), '', '',
    ...fitLines(spec, data), '', '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
}
